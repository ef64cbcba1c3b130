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

    /// <summary>The width the element-wise and row kernels run at (<see cref="VectorWidth.None"/>: generic paths).</summary>
    public static readonly VectorWidth Rows = ChooseRows();

    private static VectorWidth ChooseGemm()
    {
        if (Vector512.IsHardwareAccelerated) return VectorWidth.W512;
        if (Avx512F.IsSupported && Environment.GetEnvironmentVariable("DOTNET_PreferredVectorBitWidth") is null) return VectorWidth.W512;
        if (Vector256.IsHardwareAccelerated) return VectorWidth.W256;
        if (Vector128.IsHardwareAccelerated) return VectorWidth.W128;
        return VectorWidth.None;
    }

    // The row kernels run on Vector<float>, whose width the runtime fixes at start-up (see VectorMath).
    private static VectorWidth ChooseRows() => VectorMath.IsSupported ? (VectorWidth)(32 * System.Numerics.Vector<float>.Count) : VectorWidth.None;

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
