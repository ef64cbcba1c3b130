using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>
/// A per-step arena of tensors: while a <see cref="Enter">scope</see> of it is active on a thread, every tensor the
/// runtime creates on that thread for a result, a gradient buffer or a view, and every array the generated code asks
/// for through <see cref="NewArray{TElement}(int)"/>, is taken from the workspace instead of the heap. The k-th such
/// request of a step gets slot k: the object made for slot k in an earlier step when its type and shape match, a new
/// one (kept for the next step) when they do not. A training loop that runs the same step again and again therefore
/// allocates nothing once the workspace is warm.
/// </summary>
/// <remarks>
/// <para><b>Lifetime.</b> What a step takes from a workspace is valid until the next step on the same workspace begins:
/// the next step hands the same tensors out again and overwrites them. The generated accumulate form
/// (<c>MBackward(…, dParams…, seed)</c>) runs in a scope of a workspace the generated code keeps per method and per
/// thread; nothing taken from it escapes, because that form returns only the value and adds into caller-owned
/// gradients.</para>
/// <para><b>Reentrancy.</b> Entering a workspace whose scope is already active on this thread (a step that calls itself)
/// gives an inactive scope: until it ends, the runtime allocates as usual, so the outer step's tensors are never
/// handed out twice. A scope of another workspace nests: the inner one is used until it ends, then the outer one again.
/// Threads are independent: other threads (the runtime's matrix-product workers too) never see this thread's scope.</para>
/// <para>A workspace is used by one thread at a time and keeps its tensors for as long as it lives.</para>
/// </remarks>
public sealed class Workspace
{
    [ThreadStatic] private static Workspace? t_current;

    private readonly List<object?> _slots = new();
    private readonly List<object?> _sources = new();
    private readonly HashSet<object> _owned = new(ReferenceEqualityComparer.Instance);
    private readonly List<object> _free = new();
    private int _next;
    private bool _active;

    /// <summary>How many tensors and arrays the workspace holds (the requests of its largest step so far).</summary>
    public int Count => _slots.Count;

    /// <summary>
    /// The bytes of tensor elements (and of arrays of numbers) the workspace holds: what a step's intermediates, tape and
    /// gradient buffers take. Views share their source's elements and count nothing; arrays of tapes are not counted.
    /// </summary>
    public long Bytes
    {
        get
        {
            long bytes = 0;
            for (int slot = 0; slot < _slots.Count; slot++)
            {
                if (_sources[slot] is not null) continue;
                bytes += _slots[slot] switch
                {
                    Tensor<float> t => t.FlattenedLength * sizeof(float),
                    Tensor<double> t => t.FlattenedLength * sizeof(double),
                    Array a when a.GetType().GetElementType() is { IsPrimitive: true } => Buffer.ByteLength(a),
                    _ => 0,
                };
            }
            return bytes;
        }
    }

    /// <summary>The workspace whose scope is active on the calling thread, or null.</summary>
    internal static Workspace? Current => t_current;

    /// <summary>
    /// Starts a step: until the returned scope is disposed, tensors the runtime creates on this thread come from this
    /// workspace, from its first slot on. When this workspace is already active on the thread, the scope is inactive:
    /// the runtime allocates as usual until it ends.
    /// </summary>
    public Scope Enter()
    {
        var previous = t_current;
        if (_active)
        {
            t_current = null;
            return new Scope(null, previous);
        }
        _active = true;
        _next = 0;
        _free.Clear();
        t_current = this;
        return new Scope(this, previous);
    }

    /// <summary>
    /// A new <c>TElement[length]</c>, or, inside a scope, this step's array for the request (the one of the last step
    /// when its length matches). Its elements are then those the last step left: the caller writes each before reading it.
    /// </summary>
    /// <param name="length">The number of elements.</param>
    public static TElement[] NewArray<TElement>(int length)
    {
        var workspace = t_current;
        if (workspace is null) return new TElement[length];
        int slot = workspace._next++;
        if (workspace.Reuse(slot) is TElement[] array && array.Length == length) return array;
        return workspace.Keep(slot, null, new TElement[length]);
    }

    /// <summary>The arguments of a <c>params</c> parameter as an array from <see cref="NewArray{TElement}(int)"/>: the generated code passes a shape so (<c>Ops.Reshape(x, b, t, c)</c>).</summary>
    /// <param name="e0">Element 0.</param>
    public static TElement[] Elements<TElement>(TElement e0)
    {
        var array = NewArray<TElement>(1);
        array[0] = e0;
        return array;
    }

    /// <summary>The arguments of a <c>params</c> parameter as an array from <see cref="NewArray{TElement}(int)"/>: the generated code passes a shape so (<c>Ops.Reshape(x, b, t, c)</c>).</summary>
    /// <param name="e0">Element 0.</param>
    /// <param name="e1">Element 1.</param>
    public static TElement[] Elements<TElement>(TElement e0, TElement e1)
    {
        var array = NewArray<TElement>(2);
        array[0] = e0;
        array[1] = e1;
        return array;
    }

    /// <summary>The arguments of a <c>params</c> parameter as an array from <see cref="NewArray{TElement}(int)"/>: the generated code passes a shape so (<c>Ops.Reshape(x, b, t, c)</c>).</summary>
    /// <param name="e0">Element 0.</param>
    /// <param name="e1">Element 1.</param>
    /// <param name="e2">Element 2.</param>
    public static TElement[] Elements<TElement>(TElement e0, TElement e1, TElement e2)
    {
        var array = NewArray<TElement>(3);
        array[0] = e0;
        array[1] = e1;
        array[2] = e2;
        return array;
    }

    /// <summary>The arguments of a <c>params</c> parameter as an array from <see cref="NewArray{TElement}(int)"/>: the generated code passes a shape so (<c>Ops.Reshape(x, b, t, c)</c>).</summary>
    /// <param name="e0">Element 0.</param>
    /// <param name="e1">Element 1.</param>
    /// <param name="e2">Element 2.</param>
    /// <param name="e3">Element 3.</param>
    public static TElement[] Elements<TElement>(TElement e0, TElement e1, TElement e2, TElement e3)
    {
        var array = NewArray<TElement>(4);
        array[0] = e0;
        array[1] = e1;
        array[2] = e2;
        array[3] = e3;
        return array;
    }

    /// <summary>The arguments of a <c>params</c> parameter as an array from <see cref="NewArray{TElement}(int)"/>: the generated code passes a shape so (<c>Ops.Reshape(x, b, t, c)</c>).</summary>
    /// <param name="e0">Element 0.</param>
    /// <param name="e1">Element 1.</param>
    /// <param name="e2">Element 2.</param>
    /// <param name="e3">Element 3.</param>
    /// <param name="e4">Element 4.</param>
    public static TElement[] Elements<TElement>(TElement e0, TElement e1, TElement e2, TElement e3, TElement e4)
    {
        var array = NewArray<TElement>(5);
        array[0] = e0;
        array[1] = e1;
        array[2] = e2;
        array[3] = e3;
        array[4] = e4;
        return array;
    }

    /// <summary>The arguments of a <c>params</c> parameter as an array from <see cref="NewArray{TElement}(int)"/>: the generated code passes a shape so (<c>Ops.Reshape(x, b, t, c)</c>).</summary>
    /// <param name="e0">Element 0.</param>
    /// <param name="e1">Element 1.</param>
    /// <param name="e2">Element 2.</param>
    /// <param name="e3">Element 3.</param>
    /// <param name="e4">Element 4.</param>
    /// <param name="e5">Element 5.</param>
    public static TElement[] Elements<TElement>(TElement e0, TElement e1, TElement e2, TElement e3, TElement e4, TElement e5)
    {
        var array = NewArray<TElement>(6);
        array[0] = e0;
        array[1] = e1;
        array[2] = e2;
        array[3] = e3;
        array[4] = e4;
        array[5] = e5;
        return array;
    }

    /// <summary>A copy of <paramref name="values"/> in an array from <see cref="NewArray{TElement}(int)"/> (shapes the runtime computes).</summary>
    internal static TElement[] CopyOf<TElement>(ReadOnlySpan<TElement> values)
    {
        var array = NewArray<TElement>(values.Length);
        values.CopyTo(array);
        return array;
    }

    /// <summary>
    /// Gives a dense gradient buffer that the generated backward no longer reads back to the active step: the step's next
    /// request for a tensor of the same type and shape takes it (zeroed if asked) instead of a slot of its own, so buffers
    /// whose lifetimes do not overlap share their memory. The generated code calls it where its memory plan says the buffer
    /// is dead (docs/architecture.md, "Planning"). Outside a scope, for a tensor this step did not take from this
    /// workspace, or for one already released, it does nothing.
    /// </summary>
    /// <param name="tensor">The dead buffer; nothing may read or write it afterwards.</param>
    public static void Release<T>(Tensor<T> tensor)
    {
        var workspace = t_current;
        if (workspace is null || tensor is null || !workspace._owned.Contains(tensor)) return;
        foreach (var free in workspace._free)
        {
            if (ReferenceEquals(free, tensor)) return;
        }
        workspace._free.Add(tensor);
    }

    /// <summary>A dense tensor of the shape: zeroed when <paramref name="zeroed"/>, else with undefined contents.</summary>
    internal static Tensor<T> NewTensor<T>(ReadOnlySpan<nint> lengths, bool zeroed)
    {
        var workspace = t_current;
        if (workspace is null) return Create<T>(lengths, zeroed);
        for (int i = workspace._free.Count - 1; i >= 0; i--)
        {
            if (workspace._free[i] is Tensor<T> released && released.Lengths.SequenceEqual(lengths))
            {
                workspace._free.RemoveAt(i);
                if (zeroed) Dense.Span(released).Clear();
                return released;
            }
        }
        int slot = workspace._next++;
        if (workspace.Reuse(slot) is Tensor<T> tensor && tensor.Lengths.SequenceEqual(lengths))
        {
            if (zeroed) Dense.Span(tensor).Clear();
            return tensor;
        }
        return workspace.Keep(slot, null, Create<T>(lengths, zeroed));
    }

    /// <summary>A view of dense <paramref name="source"/> with other lengths (<see cref="Tensor.Reshape{T}(Tensor{T}, ReadOnlySpan{nint})"/>).</summary>
    internal static Tensor<T> NewView<T>(Tensor<T> source, ReadOnlySpan<nint> lengths)
    {
        var workspace = t_current;
        if (workspace is null) return Tensor.Reshape(source, lengths);
        int slot = workspace._next++;
        if (workspace.Reuse(slot) is Tensor<T> view && ReferenceEquals(workspace._sources[slot], source) && view.Lengths.SequenceEqual(lengths))
        {
            return view;
        }
        return workspace.Keep(slot, source, Tensor.Reshape(source, lengths));
    }

    private static Tensor<T> Create<T>(ReadOnlySpan<nint> lengths, bool zeroed)
        => GuardZones.Enabled && GuardZones.Guards<T>() ? GuardZones.NewTensor<T>(lengths, zeroed) : Tensor.Create(zeroed ? Dense.Allocate<T>(lengths) : Dense.AllocateForOverwrite<T>(lengths), lengths);

    private object? Reuse(int slot) => slot < _slots.Count ? _slots[slot] : null;

    private TObject Keep<TObject>(int slot, object? source, TObject value) where TObject : class
    {
        if (slot == _slots.Count)
        {
            _slots.Add(value);
            _sources.Add(source);
        }
        else
        {
            if (_slots[slot] is { } replaced) _owned.Remove(replaced);
            _slots[slot] = value;
            _sources[slot] = source;
        }
        if (source is null) _owned.Add(value);
        return value;
    }

    /// <summary>An active step of a <see cref="Workspace"/> on the calling thread; dispose it to end the step.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Workspace? _workspace;
        private readonly Workspace? _previous;

        internal Scope(Workspace? workspace, Workspace? previous)
        {
            _workspace = workspace;
            _previous = previous;
        }

        /// <summary>True when this scope hands out the workspace's slots; false for a reentrant (allocating) scope.</summary>
        public bool IsActive => _workspace is not null;

        /// <summary>Ends the step: the thread's previous scope (or none) applies again.</summary>
        public void Dispose()
        {
            if (_workspace is not null) _workspace._active = false;
            t_current = _previous;
            if (GuardZones.Enabled) GuardZones.Check("the end of a workspace scope");
        }
    }
}
