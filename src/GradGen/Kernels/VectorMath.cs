using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;

namespace GradGen;

/// <summary>
/// Float helpers for the fused kernels (GELU, softmax, LayerNorm): a vectorised e^x and span reinterpretation, on
/// <see cref="Vector{T}"/> — the width the runtime chose at start-up: 256 bits on x64 with AVX2 (also with AVX-512,
/// unless the runtime is told otherwise: DOTNET_MaxVectorTBitWidth), 128 bits on ARM64 (AdvSimd) and on x64 without AVX2 (SSE). One algorithm
/// for every width; used only when <see cref="IsSupported"/>; the generic (double) paths of the same kernels are the
/// reference they are tested against.
/// </summary>
internal static class VectorMath
{
    /// <summary>Whether vectors of at least 4 floats are accelerated (every x64 and ARM64 CPU): the float fast paths run only then.</summary>
    public static bool IsSupported => Vector.IsHardwareAccelerated && Vector<float>.Count >= 4;

    /// <summary>Floats per vector on this machine (8 with AVX2, 4 on ARM64 and SSE).</summary>
    public static int Width => Vector<float>.Count;

    /// <summary>Lane indices 0, 1, …, Width − 1.</summary>
    public static Vector<int> Lanes => s_lanes;

    private static readonly Vector<int> s_lanes = CreateLanes();

    private static Vector<int> CreateLanes()
    {
        var lanes = new int[Vector<int>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = i;
        return new Vector<int>(lanes);
    }

    // Cephes' expf: e^x = 2^n · e^r with n = round(x / ln 2), r = x − n ln 2 (ln 2 split in two so n ln 2 is exact),
    // and e^r from a degree-6 polynomial on |r| ≤ ½ ln 2; about 1 ulp over the clamped range.
    private const float ExpHigh = 88.3762626647949f;    // n ≤ 127: 2^n stays a normal float
    private const float ExpLow = -87.3365447504f;       // n ≥ −126: e^x ≈ 1.2·10⁻³⁸ below this, not 0
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /// <summary>
    /// e^x per lane (about 1 ulp); x is clamped to [−87.34, 88.38], so e^x never overflows and tiny results stay normal
    /// (≈ 1.2·10⁻³⁸ rather than 0). NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        // Comparisons are false for NaN, so the selects keep a NaN lane as it is.
        x = Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<float>(ExpHigh)), new Vector<float>(ExpHigh), x);
        x = Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(ExpLow)), new Vector<float>(ExpLow), x);
        // round(x log₂e) to nearest by the 1.5·2²³ trick (|x log₂e| < 2²²); the sum's low mantissa bits then hold
        // n + 2²², read back as an integer below (no float → int conversion).
        Vector<float> magic = new Vector<float>(12582912f);
        Vector<float> shifted = MultiplyAdd(x, new Vector<float>(Log2E), magic);
        Vector<float> n = shifted - magic;
        Vector<float> r = MultiplyAdd(n, new Vector<float>(-Ln2High), x);
        r = MultiplyAdd(n, new Vector<float>(-Ln2Low), r);
        Vector<float> z = r * r;
        Vector<float> p = MultiplyAdd(new Vector<float>(P0), r, new Vector<float>(P1));
        p = MultiplyAdd(p, r, new Vector<float>(P2));
        p = MultiplyAdd(p, r, new Vector<float>(P3));
        p = MultiplyAdd(p, r, new Vector<float>(P4));
        p = MultiplyAdd(p, r, new Vector<float>(P5));
        p = MultiplyAdd(p, z, r) + Vector<float>.One;
        // 2ⁿ: biased exponent n + 127 in bits 23…30; the bits of 1.5·2²³ are 0x4B400000.
        Vector<int> exponent = Vector.ShiftLeft(Vector.AsVectorInt32(shifted) - new Vector<int>(0x4B400000 - 127), 23);
        return p * Vector.AsVectorSingle(exponent);
    }

    /// <summary>a · b + c, fused (one rounding) where the CPU has FMA, else a · b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> MultiplyAdd(Vector<float> a, Vector<float> b, Vector<float> c)
        => Fused.MultiplyAdd(a, b, c);

    /// <summary>e^x of one value, by the same lanes as <see cref="Exp(Vector{float})"/> (for the tails of rows).</summary>
    public static float Exp(float x) => Exp(new Vector<float>(x))[0];

    /// <summary>A span of T reinterpreted as float (the caller has checked typeof(T) == typeof(float)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<float> AsFloat<T>(Span<T> span) => MemoryMarshal.CreateSpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);

    /// <summary>A read-only span of T reinterpreted as float (the caller has checked typeof(T) == typeof(float)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<float> AsFloat<T>(ReadOnlySpan<T> span) => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);

    /// <summary>Loads <see cref="Width"/> floats at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(ReadOnlySpan<float> s, int i) => Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(s), i)));

    /// <summary>Stores <see cref="Width"/> floats at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<float> v, Span<float> d, int i) => Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(d), i)), v);
}
