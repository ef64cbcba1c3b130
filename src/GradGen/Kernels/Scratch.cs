using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// A temporary buffer for a kernel; dispose it when done. Inside a <see cref="Workspace"/> scope it is the workspace's
/// array for the request. Outside one, buffers of up to <see cref="CachedLength"/> elements come from a small stack kept
/// per thread (one array per nesting depth, grown and never given back), larger ones from <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
/// <remarks>
/// Why not the shared pool for everything: it is shared between threads (an array returned to the per-core stacks can be
/// taken by another thread, so this thread's next rent allocates) and it drops its arrays when a gen2 collection finds
/// memory pressure. Either makes a warm training step allocate now and then, depending on what other threads do; the
/// per-thread stack does not.
/// </remarks>
internal ref struct Scratch<T>
{
    /// <summary>The largest buffer, in elements, the per-thread stack keeps.</summary>
    internal const int CachedLength = 1 << 16;

    /// <summary>Nesting depths the per-thread stack covers; deeper rents use the shared pool.</summary>
    private const int Depths = 8;

    [ThreadStatic] private static T[]?[]? t_stack;
    [ThreadStatic] private static int t_depth;

    private T[]? _pooled;
    private bool _stacked;

    /// <summary>The usable part of the buffer (its contents are undefined on rent).</summary>
    public Span<T> Span;

    private Scratch(int length)
    {
        _pooled = null;
        _stacked = false;
        if (length == 0)
        {
            Span = System.Span<T>.Empty;
        }
        else if (GuardZones.Enabled && GuardZones.Guards<T>())
        {
            Span = GuardZones.NewSpan<T>(length, "scratch buffer");
        }
        else if (Workspace.Current is not null)
        {
            Span = Workspace.NewArray<T>(length);
        }
        else if (length <= CachedLength && t_depth < Depths)
        {
            var stack = t_stack ??= new T[]?[Depths];
            var array = stack[t_depth];
            if (array is null || array.Length < length) stack[t_depth] = array = new T[Math.Max(256, (int)BitOperations.RoundUpToPowerOf2((uint)length))];
            t_depth++;
            _stacked = true;
            Span = array.AsSpan(0, length);
        }
        else
        {
            _pooled = ArrayPool<T>.Shared.Rent(length);
            Span = _pooled.AsSpan(0, length);
        }
    }

    /// <summary>A buffer of exactly <paramref name="length"/> usable elements.</summary>
    public static Scratch<T> Rent(int length) => new(length);

    /// <summary>Gives the buffer back (to the per-thread stack or the pool).</summary>
    public void Dispose()
    {
        if (_stacked)
        {
            t_depth--;
            _stacked = false;
        }
        else if (_pooled is not null)
        {
            ArrayPool<T>.Shared.Return(_pooled, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            _pooled = null;
        }
        Span = default;
    }
}
