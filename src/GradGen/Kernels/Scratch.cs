using System;
using System.Buffers;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// A temporary buffer rented from <see cref="ArrayPool{T}.Shared"/>; dispose it to give the array back. Inside a
/// <see cref="Workspace"/> scope it is the workspace's array for the request instead (nothing to give back): the shared
/// pool drops its arrays when a gen2 collection finds memory pressure, and a step would then allocate again.
/// </summary>
internal ref struct Scratch<T>
{
    private T[]? _array;

    /// <summary>The usable part of the rented array (its contents are undefined on rent).</summary>
    public Span<T> Span;

    private Scratch(int length)
    {
        if (length > 0 && Workspace.Current is not null)
        {
            _array = null;
            Span = Workspace.NewArray<T>(length);
            return;
        }
        _array = length == 0 ? null : ArrayPool<T>.Shared.Rent(length);
        Span = _array is null ? System.Span<T>.Empty : _array.AsSpan(0, length);
    }

    /// <summary>Rents a buffer of exactly <paramref name="length"/> usable elements.</summary>
    public static Scratch<T> Rent(int length) => new(length);

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        if (_array is not null)
        {
            ArrayPool<T>.Shared.Return(_array, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            _array = null;
            Span = default;
        }
    }
}
