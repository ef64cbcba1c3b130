using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace GradGen;

/// <summary>The vector widths the float/double fast kernels come in (bits), <see cref="None"/> for the generic paths.</summary>
internal enum VectorWidth
{
    None = 0,
    W128 = 128,
    W256 = 256,
    W512 = 512,
}

/// <summary>
/// Which vector width the fast kernels use on this machine, chosen once at start-up, and what the JIT's knobs did.
/// </summary>
/// <remarks>
/// <para>512 bits when <see cref="Vector512.IsHardwareAccelerated"/>, or when the CPU has AVX-512F and the user has not
/// set <c>DOTNET_PreferredVectorBitWidth</c>: on Skylake-X / Cascade Lake .NET reports 512-bit vectors as not
/// accelerated by default (clock throttling), but the instructions are there and the FMA-bound GEMM gains from them
/// (issue 14's Xeon: 144 against 91 GFLOP/s per core). <c>DOTNET_EnableAVX512=0</c> or
/// <c>DOTNET_PreferredVectorBitWidth=256</c> force 256 bits; <c>DOTNET_EnableAVX2=0</c> (and <c>DOTNET_EnableAVX=0</c>)
/// force 128 (SSE); on ARM64, 128 (AdvSimd).</para>
/// </remarks>
internal static class SimdWidth
{
    /// <summary>The width the GEMM (FMA-bound) runs at.</summary>
    public static readonly VectorWidth Gemm = ChooseGemm();

    /// <summary>The width the element-wise and row kernels (<see cref="VectorRows{T, TV, TS}"/>, float and double) run at (<see cref="VectorWidth.None"/>: generic paths).</summary>
    public static readonly VectorWidth Rows = ChooseRows();

    private static VectorWidth ChooseGemm()
    {
        if (Vector512.IsHardwareAccelerated) return VectorWidth.W512;
        if (Avx512F.IsSupported && Environment.GetEnvironmentVariable("DOTNET_PreferredVectorBitWidth") is null) return VectorWidth.W512;
        if (Vector256.IsHardwareAccelerated) return VectorWidth.W256;
        if (Vector128.IsHardwareAccelerated) return VectorWidth.W128;
        return VectorWidth.None;
    }

    // The row and element-wise kernels (VectorRows) take the GEMM's width: on an AVX-512 machine that is 512 bits
    // although Vector<T> stays at 256 there by default, and a CPU that throttles for 512-bit work does so for the GEMM
    // already. The same knobs narrow both.
    private static VectorWidth ChooseRows() => ChooseGemm();

    /// <summary>One line naming the ISA and the chosen widths, for test output and benchmark tables.</summary>
    public static string Describe() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}: GEMM {(int)Gemm}-bit, row kernels {(int)Rows}-bit; "
        + $"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}, "
        + $"Avx512F {Avx512F.IsSupported}, Avx2 {Avx2.IsSupported}, Avx {Avx.IsSupported}, Fma {Fma.IsSupported}, AdvSimd {AdvSimd.IsSupported}";

    /// <summary>Whether a width's vectors run in hardware here (a forced wider width still runs, in software).</summary>
    public static bool IsAccelerated(VectorWidth width) => width switch
    {
        VectorWidth.W512 => Vector512.IsHardwareAccelerated || Avx512F.IsSupported,
        VectorWidth.W256 => Vector256.IsHardwareAccelerated,
        VectorWidth.W128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };
}

/// <summary>
/// The operations the packed GEMM needs on one vector type, as static members of a struct so that the kernel, generic
/// over the struct, is compiled once per width with the vector type's own instructions (no wrapper at run time).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TV">Vector128/256/512 of <typeparamref name="T"/>.</typeparam>
internal unsafe interface ISimd<T, TV> where T : unmanaged where TV : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Rows of the GEMM micro-tile: 12 where there are 32 vector registers (AVX-512, ARM64), else 6.</summary>
    static abstract int Rows { get; }

    static abstract TV Load(T* p);
    static abstract void Store(TV v, T* p);
    static abstract TV Broadcast(T* p);
    static abstract TV Add(TV a, TV b);

    /// <summary>a · b + c, fused where the CPU has FMA (every AVX2 and ARM64 CPU), else a multiply and an add.</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV c);

    // What the row and element-wise kernels (VectorRows) need besides.

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TV Create(T value);

    /// <summary>Every lane a constant given in double (exact for the float constants, which are float-valued).</summary>
    static abstract TV Splat(double value);

    static abstract TV Subtract(TV a, TV b);
    static abstract TV Multiply(TV a, TV b);
    static abstract TV Divide(TV a, TV b);
    static abstract TV Max(TV a, TV b);

    /// <summary>Lanes of <paramref name="a"/> where <paramref name="mask"/> is all ones, of <paramref name="b"/> elsewhere.</summary>
    static abstract TV Select(TV mask, TV a, TV b);

    /// <summary>All-ones lanes where a &gt; b (false for NaN).</summary>
    static abstract TV GreaterThan(TV a, TV b);

    /// <summary>All-ones lanes where a &lt; b (false for NaN).</summary>
    static abstract TV LessThan(TV a, TV b);

    /// <summary>All-ones lanes i &lt; <paramref name="count"/>, zero lanes from there (count ≥ <see cref="Count"/>: all ones).</summary>
    static abstract TV FirstLanes(int count);

    /// <summary>The sum of the lanes.</summary>
    static abstract T Sum(TV v);

    /// <summary>The largest lane.</summary>
    static abstract T MaxAcross(TV v);

    /// <summary>Lane 0.</summary>
    static abstract T ToScalar(TV v);

    /// <summary>
    /// 2ⁿ per lane from <paramref name="shifted"/> = n + 1.5·2²³ (float) or n + 1.5·2⁵² (double) computed in floating
    /// point, whose low mantissa bits then hold n (the exponential's rounding trick): the exponent field built directly.
    /// </summary>
    static abstract TV PowerOfTwo(TV shifted);
}

internal unsafe struct F128 : ISimd<float, Vector128<float>>
{
    public static int Count => 4;
    public static int Rows => AdvSimd.Arm64.IsSupported ? 12 : 6;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float* p) => Vector128.Create(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Fused.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Create(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Splat(double value) => Vector128.Create((float)value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Select(Vector128<float> mask, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> GreaterThan(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> LessThan(Vector128<float> a, Vector128<float> b) => Vector128.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> FirstLanes(int count) => Vector128.LessThan(Vector128.Create(0, 1, 2, 3), Vector128.Create(count)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> v) => Vector128.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Vector128<float> v) => MathF.Max(MathF.Max(v.GetElement(0), v.GetElement(1)), MathF.Max(v.GetElement(2), v.GetElement(3)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ToScalar(Vector128<float> v) => v.ToScalar();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> PowerOfTwo(Vector128<float> shifted) => Vector128.ShiftLeft(shifted.AsInt32() - Vector128.Create(0x4B400000 - 127), 23).AsSingle();
}

internal unsafe struct F256 : ISimd<float, Vector256<float>>
{
    public static int Count => 8;
    public static int Rows => 6;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float* p) => Vector256.Create(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fused.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Create(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(double value) => Vector256.Create((float)value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterThan(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LessThan(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> FirstLanes(int count) => Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Vector256<float> v) => F128.MaxAcross(Vector128.Max(v.GetLower(), v.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ToScalar(Vector256<float> v) => v.ToScalar();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> PowerOfTwo(Vector256<float> shifted) => Vector256.ShiftLeft(shifted.AsInt32() - Vector256.Create(0x4B400000 - 127), 23).AsSingle();
}

internal unsafe struct F512 : ISimd<float, Vector512<float>>
{
    public static int Count => 16;
    public static int Rows => 12;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float* p) => Vector512.Create(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Fused.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Create(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(double value) => Vector512.Create((float)value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GreaterThan(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LessThan(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> FirstLanes(int count) => Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(count)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => Vector512.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Vector512<float> v) => F256.MaxAcross(Vector256.Max(v.GetLower(), v.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ToScalar(Vector512<float> v) => v.ToScalar();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> PowerOfTwo(Vector512<float> shifted) => Vector512.ShiftLeft(shifted.AsInt32() - Vector512.Create(0x4B400000 - 127), 23).AsSingle();
}

internal unsafe struct D128 : ISimd<double, Vector128<double>>
{
    public static int Count => 2;
    public static int Rows => AdvSimd.Arm64.IsSupported ? 12 : 6;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Load(double* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<double> v, double* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Broadcast(double* p) => Vector128.Create(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Add(Vector128<double> a, Vector128<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c) => Fused.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Create(double value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Splat(double value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Subtract(Vector128<double> a, Vector128<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Multiply(Vector128<double> a, Vector128<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Divide(Vector128<double> a, Vector128<double> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Max(Vector128<double> a, Vector128<double> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Select(Vector128<double> mask, Vector128<double> a, Vector128<double> b) => Vector128.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> GreaterThan(Vector128<double> a, Vector128<double> b) => Vector128.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> LessThan(Vector128<double> a, Vector128<double> b) => Vector128.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> FirstLanes(int count) => Vector128.LessThan(Vector128.Create(0L, 1L), Vector128.Create((long)count)).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sum(Vector128<double> v) => Vector128.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double MaxAcross(Vector128<double> v) => Math.Max(v.GetElement(0), v.GetElement(1));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double ToScalar(Vector128<double> v) => v.ToScalar();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> PowerOfTwo(Vector128<double> shifted) => Vector128.ShiftLeft(shifted.AsInt64() - Vector128.Create(0x4338000000000000L - 1023), 52).AsDouble();
}

internal unsafe struct D256 : ISimd<double, Vector256<double>>
{
    public static int Count => 4;
    public static int Rows => 6;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Load(double* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<double> v, double* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Broadcast(double* p) => Vector256.Create(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Fused.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Create(double value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Splat(double value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Subtract(Vector256<double> a, Vector256<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Multiply(Vector256<double> a, Vector256<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Divide(Vector256<double> a, Vector256<double> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Max(Vector256<double> a, Vector256<double> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Select(Vector256<double> mask, Vector256<double> a, Vector256<double> b) => Vector256.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> GreaterThan(Vector256<double> a, Vector256<double> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> LessThan(Vector256<double> a, Vector256<double> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> FirstLanes(int count) => Vector256.LessThan(Vector256.Create(0L, 1L, 2L, 3L), Vector256.Create((long)count)).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sum(Vector256<double> v) => Vector256.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double MaxAcross(Vector256<double> v) => D128.MaxAcross(Vector128.Max(v.GetLower(), v.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double ToScalar(Vector256<double> v) => v.ToScalar();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> PowerOfTwo(Vector256<double> shifted) => Vector256.ShiftLeft(shifted.AsInt64() - Vector256.Create(0x4338000000000000L - 1023), 52).AsDouble();
}

internal unsafe struct D512 : ISimd<double, Vector512<double>>
{
    public static int Count => 8;
    public static int Rows => 12;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Load(double* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<double> v, double* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Broadcast(double* p) => Vector512.Create(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Fused.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Create(double value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Splat(double value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Subtract(Vector512<double> a, Vector512<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Multiply(Vector512<double> a, Vector512<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Divide(Vector512<double> a, Vector512<double> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Max(Vector512<double> a, Vector512<double> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Select(Vector512<double> mask, Vector512<double> a, Vector512<double> b) => Vector512.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> GreaterThan(Vector512<double> a, Vector512<double> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> LessThan(Vector512<double> a, Vector512<double> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> FirstLanes(int count) => Vector512.LessThan(Vector512.Create(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), Vector512.Create((long)count)).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sum(Vector512<double> v) => Vector512.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double MaxAcross(Vector512<double> v) => D256.MaxAcross(Vector256.Max(v.GetLower(), v.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double ToScalar(Vector512<double> v) => v.ToScalar();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> PowerOfTwo(Vector512<double> shifted) => Vector512.ShiftLeft(shifted.AsInt64() - Vector512.Create(0x4338000000000000L - 1023), 52).AsDouble();
}

/// <summary>a · b + c per width: fused where the CPU has FMA, else a multiply and an add (never a software fused op).</summary>
internal static class Fused
{
#if NET9_0_OR_GREATER
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static System.Numerics.Vector<float> MultiplyAdd(System.Numerics.Vector<float> a, System.Numerics.Vector<float> b, System.Numerics.Vector<float> c) => System.Numerics.Vector.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c) => Vector128.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.MultiplyAddEstimate(a, b, c);
#else
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static System.Numerics.Vector<float> MultiplyAdd(System.Numerics.Vector<float> a, System.Numerics.Vector<float> b, System.Numerics.Vector<float> c)
        => System.Numerics.Vector<float>.Count == 8 && Fma.IsSupported ? Fma.MultiplyAdd(a.AsVector256(), b.AsVector256(), c.AsVector256()).AsVector()
        : System.Numerics.Vector<float>.Count == 4 && AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(c.AsVector128(), a.AsVector128(), b.AsVector128()).AsVector()
        : System.Numerics.Vector<float>.Count == 4 && Fma.IsSupported ? Fma.MultiplyAdd(a.AsVector128(), b.AsVector128(), c.AsVector128()).AsVector()
        : a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(c, a, b) : a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c)
        => Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.FusedMultiplyAdd(c, a, b) : a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c)
        => Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;
#endif
}
