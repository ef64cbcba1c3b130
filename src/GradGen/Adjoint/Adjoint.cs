using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>
/// Backward kernels: for each primitive in <see cref="Ops"/>, the vector-Jacobian product that the generated
/// <c>Backward</c> methods call.
/// </summary>
/// <remarks>
/// <para>Naming: <c>dY</c> is the upstream gradient ∂L/∂Y, shaped like the op's result Y. <c>into</c> is the gradient
/// buffer of one operand, shaped like that operand; it must be dense (not a strided view), and every kernel
/// <b>accumulates</b> into it (<c>into += …</c>) so that an operand used several times collects every contribution.</para>
/// <para>Broadcasting: when an operand was broadcast to reach Y's shape, its gradient is <c>reduce(·)</c>: the sum over the
/// dimensions along which it was stretched (leading missing dimensions are summed away, size-1 dimensions are
/// summed keeping size 1), so the result has <c>into</c>'s shape.</para>
/// <para>Other inputs may be strided views. Inconsistent shapes throw <see cref="ArgumentException"/> naming the kernel
/// and the shapes; null tensors throw <see cref="ArgumentNullException"/>.</para>
/// </remarks>
public static partial class Adjoint
{
    /// <summary>Elements processed per block by kernels that need a temporary (keeps it cache-resident).</summary>
    private const int Block = 4096;

    /// <summary>
    /// A gradient buffer shaped like <paramref name="like"/> whose contents are undefined (inside a <see cref="Workspace"/>
    /// scope: the workspace's tensor for this request, not cleared). Generated code declares a gradient so when its first
    /// contribution is written by a kernel called with <c>overwrite: true</c>, which saves the zero fill and the read of zeros.
    /// </summary>
    public static Tensor<T> Uninitialized<T>(Tensor<T> like) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(like);
        return Dense.Result<T>(like.Lengths);
    }

    /// <summary>
    /// Whether a generated pullback asked to overwrite the caller's gradient buffers (its <c>overwrite</c> argument) may write
    /// them: true when <paramref name="overwrite"/> is and the non-null <paramref name="gradients"/> are dense and pairwise
    /// disjoint in memory. When two share memory (the same buffer passed for two parameters, e.g. tied weights) or one is not
    /// dense, it zeros them all and returns false: the pullback then adds into zeros, which gives such a shared buffer the sum
    /// of its parameters' gradients, as the accumulate form would. Allocates nothing.
    /// </summary>
    public static bool Overwrite<T>(bool overwrite, params ReadOnlySpan<Tensor<T>?> gradients) where T : IFloatingPointIeee754<T>
    {
        if (!overwrite) return false;
        for (int i = 0; i < gradients.Length; i++)
        {
            if (gradients[i] is not { } a) continue;
            var disjoint = a.IsDense;
            for (int j = i + 1; disjoint && j < gradients.Length; j++)
            {
                if (gradients[j] is { } b) disjoint = b.IsDense && !Dense.Span(a).Overlaps(Dense.Span(b));
            }
            if (disjoint) continue;
            foreach (var gradient in gradients)
            {
                if (gradient is not null) Ops.Clear(gradient);
            }
            return false;
        }
        return true;
    }

    /// <summary>See <see cref="Overwrite{T}(bool, ReadOnlySpan{Tensor{T}})"/> (for callers compiled before C# 13: allocates the array).</summary>
    public static bool Overwrite<T>(bool overwrite, params Tensor<T>?[] gradients) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(gradients);
        return Overwrite(overwrite, (ReadOnlySpan<Tensor<T>?>)gradients);
    }

    // ── shared implementation ──────────────────────────────────────────────────────────────

    private static void Accumulate<T>(string kernel, Tensor<T> dY, T scale, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireBroadcastsTo(kernel, nameof(into), into.Lengths, nameof(dY), dY.Lengths);
        AddReduced(Dense.Read(dY), dY.Lengths, Dense.Target(kernel, into), into.Lengths, scale, overwrite);
    }

    /// <summary>
    /// target (+)= scale · reduce(full), <paramref name="targetShape"/> broadcasting to <paramref name="fullShape"/>; written
    /// (<paramref name="overwrite"/>) it is what adding into zeros gives: in one pass where nothing is reduced, else into a
    /// cleared target.
    /// </summary>
    private static void AddReduced<T>(ReadOnlySpan<T> full, ReadOnlySpan<nint> fullShape, Span<T> target, ReadOnlySpan<nint> targetShape, T scale, bool overwrite)
        where T : IFloatingPointIeee754<T>
    {
        if (overwrite && target.Length == full.Length)
        {
            // Nothing to reduce: written in one pass, as adding into zeros rounds it.
            Broadcasting.WriteScaled(full, scale, target);
            return;
        }
        if (overwrite) target.Clear(); // a reduced contribution: added into zeros
        Broadcasting.AccumulateReduced(full, fullShape, target, targetShape, scale);
    }

    private static void ValidateBroadcastOperands<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, Tensor<T> into)
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(operand, operandName);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireBroadcastsTo(kernel, operandName, operand.Lengths, nameof(dY), dY.Lengths);
        TensorShape.RequireBroadcastsTo(kernel, nameof(into), into.Lengths, nameof(dY), dY.Lengths);
    }

    private static void ValidateElementwise<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, Tensor<T> into)
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(operand, operandName);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireSameShape(kernel, nameof(dY), dY.Lengths, operandName, operand.Lengths);
        TensorShape.RequireSameShape(kernel, nameof(dY), dY.Lengths, nameof(into), into.Lengths);
    }

    /// <summary>One block of an element-wise adjoint: all spans have the same length; <c>scratch</c> is free to overwrite.</summary>
    private delegate void BlockKernel<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> operand, Span<T> into, Span<T> scratch);

    /// <summary>
    /// Runs an element-wise adjoint over blocks of <see cref="Block"/> elements with a scratch buffer. With
    /// <paramref name="overwrite"/> each block of the target is cleared just before the body adds to it (while it is in cache),
    /// instead of the whole buffer being zeroed when it is allocated. From <see cref="ParallelElementwise.MinLength"/>
    /// elements on (dense operands), the blocks are shared out over the cores in contiguous ranges, each thread with a scratch
    /// block of its own: element by element the same work, so the same result bit for bit.
    /// </summary>
    private static unsafe void Elementwise<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, Tensor<T> into, bool overwrite, BlockKernel<T> body)
        where T : IFloatingPointIeee754<T>
    {
        ValidateElementwise(kernel, dY, operand, operandName, into);
        ReadOnlySpan<T> g = Dense.Read(dY), o = Dense.Read(operand);
        Span<T> target = Dense.Target(kernel, into);
        int blocks = (target.Length + Block - 1) / Block;
        if (target.Length >= ParallelElementwise.MinLength && WorkerPool.Threads > 1 && dY.IsDense && operand.IsDense && !GuardZones.Enabled)
        {
            fixed (byte* pg = &Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(g)))
            fixed (byte* po = &Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(o)))
            fixed (byte* pt = &Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(target)))
            {
                var job = ElementwiseJob<T>.Current ??= new ElementwiseJob<T>();
                job.G = pg;
                job.O = po;
                job.Target = pt;
                (job.Length, job.Overwrite, job.Body) = (target.Length, overwrite, body);
                try
                {
                    WorkerPool.Run(job, Math.Min(blocks, 2 * WorkerPool.Threads));
                }
                finally
                {
                    job.Body = null;
                    job.G = job.O = job.Target = null;
                }
            }
            return;
        }
        using var scratch = Scratch<T>.Rent(Math.Min(Block, target.Length));
        Blocks(g, o, target, scratch.Span, overwrite, body, 0, blocks);
    }

    /// <summary>Blocks [first, last) of an element-wise adjoint: each block of the target cleared first when written.</summary>
    private static void Blocks<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> o, Span<T> target, Span<T> scratch, bool overwrite, BlockKernel<T> body, int first, int last)
    {
        for (int b = first; b < last; b++)
        {
            int start = b * Block, length = Math.Min(Block, target.Length - start);
            if (overwrite) target.Slice(start, length).Clear();
            body(g.Slice(start, length), o.Slice(start, length), target.Slice(start, length), scratch.Slice(0, length));
        }
    }

    /// <summary>The blocks of one <see cref="Elementwise{T}"/> call shared out over the cores (pinned by the caller).</summary>
    private sealed unsafe class ElementwiseJob<T> : IParallelJob where T : IFloatingPointIeee754<T>
    {
        [ThreadStatic] public static ElementwiseJob<T>? Current;

        /// <summary>Each thread's scratch block, allocated once per thread and element type.</summary>
        [ThreadStatic] private static T[]? t_scratch;

        public byte* G, O, Target;
        public int Length;
        public bool Overwrite;
        public BlockKernel<T>? Body;

        public void Run(int chunk, int chunks)
        {
            int blocks = (Length + Block - 1) / Block;
            int first = (int)((long)blocks * chunk / chunks), last = (int)((long)blocks * (chunk + 1) / chunks);
            Blocks(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef<T>(G), Length), MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef<T>(O), Length),
                MemoryMarshal.CreateSpan(ref Unsafe.AsRef<T>(Target), Length), t_scratch ??= new T[Block], Overwrite, Body!, first, last);
        }
    }
}
