using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// GELU's tanh approximation, forward and backward, each in one pass over the data. With u = √(2/π) (x + 0.044715 x³):
/// gelu(x) = ½ x (1 + tanh u), gelu′(x) = ½ (1 + tanh u) + ½ x (1 − tanh² u) √(2/π) (1 + 3 · 0.044715 x²).
/// </summary>
/// <remarks>
/// Float on vectors (<see cref="VectorMath"/>: 256 bits with AVX2, 128 on ARM64 and SSE) uses ½ (1 + tanh u) = σ(2u) = 1 / (1 + e^−2u), so one exponential per element gives both
/// terms: gelu(x) = x σ, gelu′(x) = σ + 2 x σ (1 − σ) √(2/π) (1 + 3 · 0.044715 x²) (as 1 − tanh² u = 4 σ (1 − σ)),
/// with σ (1 − σ) = e^−2u σ², which keeps its relative precision where σ is close to 1.
/// Other types (and float without vectors) evaluate the formulas above element by element with T.Tanh.
/// </remarks>
internal static class GeluKernel
{
    /// <summary>y = gelu(x); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && VectorMath.IsSupported)
        {
            unsafe
            {
                fixed (float* px = VectorMath.AsFloat(x))
                fixed (float* py = VectorMath.AsFloat(y))
                {
                    ParallelElementwise.Run(&ForwardFloat, px, py, null, x.Length);
                }
            }
            return;
        }
        T half = T.CreateChecked(0.5), k = T.CreateChecked(Ops.GeluScale), c = T.CreateChecked(Ops.GeluCubic);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = half * v * (T.One + T.Tanh(k * v * (T.One + c * v * v)));
        }
    }

    /// <summary>into += dY ⊙ gelu′(x).</summary>
    public static void Backward<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> x, Span<T> into) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && VectorMath.IsSupported)
        {
            unsafe
            {
                fixed (float* pg = VectorMath.AsFloat(dY))
                fixed (float* px = VectorMath.AsFloat(x))
                fixed (float* pInto = VectorMath.AsFloat(into))
                {
                    ParallelElementwise.Run(&BackwardFloat, pg, px, pInto, x.Length);
                }
            }
            return;
        }
        T half = T.CreateChecked(0.5), k = T.CreateChecked(Ops.GeluScale), c = T.CreateChecked(Ops.GeluCubic);
        T c3 = T.CreateChecked(3 * Ops.GeluCubic);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            T t = T.Tanh(k * v * (T.One + c * v * v));
            T derivative = half * (T.One + t) + half * v * (T.One - t * t) * k * (T.One + c3 * v * v);
            into[i] += dY[i] * derivative;
        }
    }

    /// <summary>y = gelu(x) over <paramref name="n"/> floats (a chunk of <see cref="ParallelElementwise"/>).</summary>
    private static unsafe void ForwardFloat(float* px, float* py, float* unused, int n)
    {
        var x = new ReadOnlySpan<float>(px, n);
        var y = new Span<float>(py, n);
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            VectorMath.Store(Value(VectorMath.Load(x, i)), y, i);
        }
        if (i == x.Length) return;
        Span<float> tail = stackalloc float[Vector<float>.Count];
        tail.Clear();
        x.Slice(i).CopyTo(tail);
        VectorMath.Store(Value(VectorMath.Load(tail, 0)), tail, 0);
        tail.Slice(0, x.Length - i).CopyTo(y.Slice(i));
    }

    /// <summary>into += dY ⊙ gelu′(x) over <paramref name="n"/> floats (a chunk of <see cref="ParallelElementwise"/>).</summary>
    private static unsafe void BackwardFloat(float* pg, float* px, float* pInto, int n)
    {
        var dY = new ReadOnlySpan<float>(pg, n);
        var x = new ReadOnlySpan<float>(px, n);
        var into = new Span<float>(pInto, n);
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<float> sum = VectorMath.MultiplyAdd(VectorMath.Load(dY, i), Derivative(VectorMath.Load(x, i)), VectorMath.Load(into, i));
            VectorMath.Store(sum, into, i);
        }
        if (i == x.Length) return;
        int rest = x.Length - i;
        Span<float> tail = stackalloc float[3 * Vector<float>.Count];
        tail.Clear();
        int w = Vector<float>.Count;
        Span<float> g = tail.Slice(0, w), v = tail.Slice(w, w), acc = tail.Slice(2 * w, w);
        dY.Slice(i).CopyTo(g);
        x.Slice(i).CopyTo(v);
        into.Slice(i).CopyTo(acc);
        VectorMath.Store(VectorMath.MultiplyAdd(VectorMath.Load(g, 0), Derivative(VectorMath.Load(v, 0)), VectorMath.Load(acc, 0)), acc, 0);
        acc.Slice(0, rest).CopyTo(into.Slice(i));
    }

    private const float K = 0.79788456080286535588f;            // √(2/π)
    private const float KC = 0.79788456080286535588f * 0.044715f;

    /// <summary>
    /// σ = σ(2u) = ½ (1 + tanh u) for u = √(2/π) (x + 0.044715 x³), and e = e^−2u (so 1 − σ = e σ without cancellation).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Sigma(Vector<float> x, out Vector<float> e)
    {
        Vector<float> minusTwoU = x * VectorMath.MultiplyAdd(x * x, new Vector<float>(-2 * KC), new Vector<float>(-2 * K));
        e = VectorMath.Exp(minusTwoU);
        Vector<float> s = Vector<float>.One / (Vector<float>.One + e);
        // Past e^88 the clamped exponential leaves σ ≈ 4·10⁻³⁹ rather than ~0, which the cubic slope of gelu′ would
        // scale back up (x = −10⁶: 10⁻²¹); σ is 0 to float precision there.
        return Vector.AndNot(s, Vector.AsVectorSingle(Vector.GreaterThan(minusTwoU, new Vector<float>(88f))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Value(Vector<float> x) => x * Sigma(x, out _);

    /// <summary>gelu′(x) = σ + x σ (1 − σ) · 2√(2/π) (1 + 3 · 0.044715 x²), with σ (1 − σ) = e σ².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Derivative(Vector<float> x)
    {
        Vector<float> s = Sigma(x, out Vector<float> e);
        Vector<float> slope = VectorMath.MultiplyAdd(x * x, new Vector<float>(6 * KC), new Vector<float>(2 * K));
        return VectorMath.MultiplyAdd(x * slope, e * (s * s), s);
    }
}
