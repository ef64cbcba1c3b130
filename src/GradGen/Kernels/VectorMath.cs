using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GradGen;

/// <summary>
/// 256-bit float helpers for the fused kernels (GELU, the causal softmax): a vectorised e^x and span reinterpretation.
/// Used only when <see cref="IsSupported"/>; the generic (double) paths of the same kernels are the reference they are
/// tested against.
/// </summary>
internal static class VectorMath
{
    /// <summary>Whether 256-bit vectors are accelerated (AVX2 on x64): the float fast paths run only then.</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated;

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
    public static Vector256<float> Exp(Vector256<float> x)
    {
        // Comparisons are false for NaN, so the selects keep a NaN lane as it is.
        x = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(ExpHigh)), Vector256.Create(ExpHigh), x);
        x = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(ExpLow)), Vector256.Create(ExpLow), x);
        // round(x log₂e) to nearest by the 1.5·2²³ trick (|x log₂e| < 2²²); the sum's low mantissa bits then hold
        // n + 2²², read back as an integer below (no float → int conversion).
        Vector256<float> magic = Vector256.Create(12582912f);
        Vector256<float> shifted = MultiplyAdd(x, Vector256.Create(Log2E), magic);
        Vector256<float> n = shifted - magic;
        Vector256<float> r = MultiplyAdd(n, Vector256.Create(-Ln2High), x);
        r = MultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        Vector256<float> z = r * r;
        Vector256<float> p = MultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = MultiplyAdd(p, r, Vector256.Create(P2));
        p = MultiplyAdd(p, r, Vector256.Create(P3));
        p = MultiplyAdd(p, r, Vector256.Create(P4));
        p = MultiplyAdd(p, r, Vector256.Create(P5));
        p = MultiplyAdd(p, z, r) + Vector256<float>.One;
        // 2ⁿ: biased exponent n + 127 in bits 23…30; the bits of 1.5·2²³ are 0x4B400000.
        Vector256<int> exponent = Vector256.ShiftLeft(shifted.AsInt32() - Vector256.Create(0x4B400000 - 127), 23);
        return p * exponent.AsSingle();
    }

    /// <summary>a · b + c, fused (one rounding) where the CPU has FMA, else a · b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>e^x of one value, by the same lanes as <see cref="Exp(Vector256{float})"/> (for the tails of rows).</summary>
    public static float Exp(float x) => Exp(Vector256.Create(x)).ToScalar();

    /// <summary>A span of T reinterpreted as float (the caller has checked typeof(T) == typeof(float)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<float> AsFloat<T>(Span<T> span) => MemoryMarshal.CreateSpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);

    /// <summary>A read-only span of T reinterpreted as float (the caller has checked typeof(T) == typeof(float)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<float> AsFloat<T>(ReadOnlySpan<T> span) => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);

    /// <summary>Loads 8 floats at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ReadOnlySpan<float> s, int i) => Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(s), (nuint)i);

    /// <summary>Stores 8 floats at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> v, Span<float> d, int i) => v.StoreUnsafe(ref MemoryMarshal.GetReference(d), (nuint)i);
}
