using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// Float addition on both cores for large operands (residual streams, a bias over the rows of an activation): the kernels
/// <see cref="Broadcasting"/> hands to <see cref="ParallelElementwise"/> and <see cref="ParallelRows"/> from
/// <see cref="ParallelRows.MinElements"/> elements. Float addition is commutative, so a bias on either side is the same
/// kernel; results equal <c>TensorPrimitives.Add</c>'s bit for bit.
/// </summary>
internal static unsafe class FloatAdd
{
    /// <summary>Whether <see cref="Run"/> may take a call: float, vectors, and enough elements to split.</summary>
    public static bool Applies<T>(int length) => typeof(T) == typeof(float) && VectorMath.IsSupported && length >= ParallelRows.MinElements;

    /// <summary>
    /// destination = a + b when both have destination's length, or one of them repeats over destination's rows
    /// (<paramref name="rowBias"/>: the length of that operand, else 0).
    /// </summary>
    public static void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination, int rowBias)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pd = destination)
        {
            if (rowBias == 0)
            {
                ParallelElementwise.Run(&Same, pa, pb, pd, destination.Length);
                return;
            }
            // The full operand in A, the repeating one in B.
            var args = a.Length == destination.Length
                ? new RowArgs { A = pa, B = pb, C = pd, Length = rowBias }
                : new RowArgs { A = pb, B = pa, C = pd, Length = rowBias };
            ParallelRows.Run(&BiasRows, &args, destination.Length / rowBias);
        }
    }

    /// <summary>c = a + b over n floats.</summary>
    private static void Same(float* a, float* b, float* c, int n)
    {
        int i = 0;
        int w = Vector<float>.Count;
        for (; i <= n - w; i += w) Unsafe.WriteUnaligned(c + i, Unsafe.ReadUnaligned<Vector<float>>(a + i) + Unsafe.ReadUnaligned<Vector<float>>(b + i));
        for (; i < n; i++) c[i] = a[i] + b[i];
    }

    /// <summary>Rows [start, end): C = A + B with B one row (Length floats) repeated.</summary>
    private static void BiasRows(RowArgs* args, int start, int end)
    {
        int n = args->Length;
        for (int r = start; r < end; r++)
        {
            long at = (long)r * n;
            Same(args->A + at, args->B, args->C + at, n);
        }
    }
}
