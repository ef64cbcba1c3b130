using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Xunit.Abstractions;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The packed GEMM at every vector width (128, 256, 512 bits) in float and double, forced through the internal
/// width overload, against naive double products: one algorithm with the width as a parameter, so every width must give
/// the same products on every machine (a width the CPU lacks runs in software). Each test prints the width the
/// machine chose at start-up and what the JIT reports, so a run under a knob (DOTNET_EnableAVX2=0, …) shows what it did.
/// </summary>
public unsafe class WidthTests
{
    private readonly ITestOutputHelper _output;

    public WidthTests(ITestOutputHelper output)
    {
        _output = output;
        _output.WriteLine(SimdWidth.Describe());
    }

    public static TheoryData<int, int, int, int, bool> Cases()
    {
        var data = new TheoryData<int, int, int, int, bool>();
        (int m, int k, int n)[] shapes =
        {
            (1, 1, 1), (6, 16, 16), (12, 7, 32), (13, 300, 33), (7, 5, 17), (64, 784, 10), (25, 70, 150), (130, 300, 131),
            (260, 520, 64), // taller than wide, k past two blocks: with A packed, parallel over rows
            (300, 200, 40), // narrow: parallel over rows in every layout, B packed once for all row chunks
        };
        foreach (int width in new[] { 128, 256, 512 })
        {
            foreach (var (m, k, n) in shapes)
            {
                data.Add(width, m, k, n, false);
                data.Add(width, m, k, n, true);
            }
        }
        return data;
    }

    /// <summary>The three operand layouts the runtime passes: A·B, Aᵀ·B (A read by columns), A·Bᵀ (B read by columns).</summary>
    private enum Layout { Plain, TransposedA, TransposedB }

    private static double[] Random(Random rng, int length)
    {
        var x = new double[length];
        for (int i = 0; i < length; i++) x[i] = rng.NextDouble() * 2 - 1;
        return x;
    }

    /// <summary>
    /// C = A·B (overwrite) then C += A·B (accumulate) through <see cref="Sgemm.Multiply(VectorWidth, int, int, int, float*, nint, nint, float*, nint, nint, float*, nint, bool, float*, bool)"/>
    /// in all three layouts, against the double product.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Gemm_at_every_width_matches_the_double_product(int width, int m, int k, int n, bool inDouble)
    {
        var w = (VectorWidth)width;
        _output.WriteLine($"forced {width}-bit ({(SimdWidth.IsAccelerated(w) ? "hardware" : "software")}), {(inDouble ? "double" : "float")}, {m}×{k}×{n}");
        var rng = new Random(width + m * 7 + k * 13 + n);
        double[] a = Random(rng, m * k), b = Random(rng, k * n);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++)
                    expected[i * n + j] += a[i * k + p] * b[p * n + j];
        foreach (Layout layout in Enum.GetValues<Layout>())
        {
            // Store A as [m, k] or [k, m], B as [k, n] or [n, k]; strides read them as A[m, k] and B[k, n].
            double[] aStored = layout == Layout.TransposedA ? Transpose(a, m, k) : a;
            double[] bStored = layout == Layout.TransposedB ? Transpose(b, k, n) : b;
            nint aRow = layout == Layout.TransposedA ? 1 : k, aInner = layout == Layout.TransposedA ? m : 1;
            nint bInner = layout == Layout.TransposedB ? 1 : n, bCol = layout == Layout.TransposedB ? k : 1;
            // C with a leading dimension past n, so a store beyond the row would show.
            int ldc = n + 3;
            if (inDouble)
            {
                var c = new double[m * ldc];
                Array.Fill(c, 7.0);
                fixed (double* pa = aStored, pb = bStored, pc = c)
                {
                    Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pc, ldc, overwrite: true);
                    Check(expected, i => c[i], m, n, ldc, k, 1e-13, 0, layout);
                    Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pc, ldc, overwrite: false);
                    Check(expected, i => c[i], m, n, ldc, k, 1e-13, 1, layout);
                }
            }
            else
            {
                var af = Array.ConvertAll(aStored, v => (float)v);
                var bf = Array.ConvertAll(bStored, v => (float)v);
                var c = new float[m * ldc];
                Array.Fill(c, 7f);
                fixed (float* pa = af, pb = bf, pc = c)
                {
                    Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pc, ldc, overwrite: true);
                    Check(expected, i => c[i], m, n, ldc, k, 2e-6, 0, layout);
                    Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pc, ldc, overwrite: false);
                    Check(expected, i => c[i], m, n, ldc, k, 2e-6, 1, layout);
                }
            }
        }
    }

    /// <summary>
    /// The epilogue (a bias row added, then ReLU, in the store of the last block of inner indices) at every width, in all
    /// three layouts, written and accumulated: bit for bit the product followed by a pass adding the bias and taking
    /// max(·, 0) — with a NaN and a negative zero in the bias, and nothing written past n.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Epilogue_at_every_width_is_the_pass_after_the_product(int width, int m, int k, int n, bool inDouble)
    {
        var w = (VectorWidth)width;
        var rng = new Random(width + m * 5 + k * 11 + n);
        double[] a = Random(rng, m * k), b = Random(rng, k * n), bias = Random(rng, n);
        bias[0] = -0.0;
        if (n > 1) bias[1] = double.NaN;
        int ldc = n + 3;
        foreach (Layout layout in Enum.GetValues<Layout>())
        {
            double[] aStored = layout == Layout.TransposedA ? Transpose(a, m, k) : a;
            double[] bStored = layout == Layout.TransposedB ? Transpose(b, k, n) : b;
            nint aRow = layout == Layout.TransposedA ? 1 : k, aInner = layout == Layout.TransposedA ? m : 1;
            nint bInner = layout == Layout.TransposedB ? 1 : n, bCol = layout == Layout.TransposedB ? k : 1;
            foreach (bool overwrite in new[] { true, false })
            {
                foreach (bool relu in new[] { false, true })
                {
                    if (inDouble)
                    {
                        double[] expected = Filled(m * ldc, 0.25), actual = Filled(m * ldc, 0.25);
                        fixed (double* pa = aStored, pb = bStored, pe = expected, pc = actual, pbias = bias)
                        {
                            Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pe, ldc, overwrite);
                            for (int i = 0; i < m; i++)
                                for (int j = 0; j < n; j++)
                                    pe[i * ldc + j] = relu ? Math.Max(pe[i * ldc + j] + bias[j], 0) : pe[i * ldc + j] + bias[j];
                            Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pc, ldc, overwrite, pbias, relu);
                        }
                        for (int i = 0; i < expected.Length; i++) Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]), $"{layout}, overwrite {overwrite}, relu {relu}: element {i} is {actual[i]}, expected {expected[i]}");
                    }
                    else
                    {
                        float[] af = Array.ConvertAll(aStored, v => (float)v), bf = Array.ConvertAll(bStored, v => (float)v), biasf = Array.ConvertAll(bias, v => (float)v);
                        float[] expected = Array.ConvertAll(Filled(m * ldc, 0.25), v => (float)v), actual = (float[])expected.Clone();
                        fixed (float* pa = af, pb = bf, pe = expected, pc = actual, pbias = biasf)
                        {
                            Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pe, ldc, overwrite);
                            for (int i = 0; i < m; i++)
                                for (int j = 0; j < n; j++)
                                    pe[i * ldc + j] = relu ? MathF.Max(pe[i * ldc + j] + biasf[j], 0) : pe[i * ldc + j] + biasf[j];
                            Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pc, ldc, overwrite, pbias, relu);
                        }
                        for (int i = 0; i < expected.Length; i++) Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{layout}, overwrite {overwrite}, relu {relu}: element {i} is {actual[i]}, expected {expected[i]}");
                    }
                }
            }
        }
    }

    private static double[] Filled(int length, double value)
    {
        var x = new double[length];
        Array.Fill(x, value);
        return x;
    }

    /// <summary>
    /// Elements [i, j &lt; n] hold (1 + extra) · expected (after an overwrite then an accumulate: twice the product);
    /// the padding past n keeps its 7.
    /// </summary>
    private static void Check(double[] expected, Func<int, double> actual, int m, int n, int ldc, int k, double epsilon, int accumulated, Layout layout)
    {
        double tolerance = epsilon * Math.Max(16, k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                double got = actual(i * ldc + j);
                double want = j < n ? (1 + accumulated) * expected[i * n + j] : 7;
                Assert.True(Math.Abs(want - got) <= tolerance * Math.Max(1, Math.Abs(want)),
                    $"{layout}, [{i}, {j}]: expected {want:R}, got {got:R}");
            }
        }
    }

    private static double[] Transpose(double[] x, int rows, int cols)
    {
        var t = new double[x.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                t[j * rows + i] = x[i * cols + j];
        return t;
    }

    /// <summary>All widths give bit-identical float products (one accumulator per element, same order), fused or not.</summary>
    [Fact]
    public void Widths_agree_bit_for_bit_where_all_fuse()
    {
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported && !System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
        {
            _output.WriteLine("no FMA: the 128-bit path multiplies and adds separately here, so widths may differ in the last bit; skipped");
            return;
        }
        int m = 37, k = 530, n = 71;
        var rng = new Random(5);
        var a = Array.ConvertAll(Random(rng, m * k), v => (float)v);
        var b = Array.ConvertAll(Random(rng, k * n), v => (float)v);
        float[]? first = null;
        foreach (var w in new[] { VectorWidth.W128, VectorWidth.W256, VectorWidth.W512 })
        {
            var c = new float[m * n];
            fixed (float* pa = a, pb = b, pc = c) Sgemm.Multiply(w, m, n, k, pa, k, 1, pb, n, 1, pc, n, overwrite: true);
            if (first is null) first = c;
            else Assert.Equal(first, c);
        }
    }

    /// <summary>
    /// The widths chosen at start-up follow the CPU and the JIT knobs in this process's environment, so a run under a
    /// knob (tests/kernel-widths.sh) cannot silently test the default path: without AVX2 (or AVX) both the GEMM and the
    /// row kernels must be at 128 bits; with AVX-512 off or 256-bit vectors preferred, neither may be at 512;
    /// with no knob, both at the widest width the CPU has.
    /// </summary>
    [Fact]
    public void Start_up_widths_follow_the_cpu_and_the_knobs()
    {
        static string? Knob(string name) => Environment.GetEnvironmentVariable(name);
        string? avx = Knob("DOTNET_EnableAVX"), avx2 = Knob("DOTNET_EnableAVX2"), avx512 = Knob("DOTNET_EnableAVX512"), preferred = Knob("DOTNET_PreferredVectorBitWidth");
        _output.WriteLine($"knobs: EnableAVX={avx ?? "-"} EnableAVX2={avx2 ?? "-"} EnableAVX512={avx512 ?? "-"} PreferredVectorBitWidth={preferred ?? "-"}");
        Assert.NotEqual(VectorWidth.None, SimdWidth.Gemm);
        Assert.NotEqual(VectorWidth.None, SimdWidth.Rows);
        if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
        {
            Assert.Equal(VectorWidth.W128, SimdWidth.Gemm);
            Assert.Equal(VectorWidth.W128, SimdWidth.Rows);
            return;
        }
        if (avx == "0" || avx2 == "0")
        {
            Assert.False(Avx2.IsSupported);
            Assert.Equal(VectorWidth.W128, SimdWidth.Gemm);
            Assert.Equal(VectorWidth.W128, SimdWidth.Rows);
        }
        else if (avx512 == "0" || preferred == "256")
        {
            Assert.False(Vector512.IsHardwareAccelerated);
            Assert.Equal(Avx2.IsSupported ? VectorWidth.W256 : VectorWidth.W128, SimdWidth.Gemm);
            Assert.Equal(SimdWidth.Gemm, SimdWidth.Rows);
        }
        else if (avx is null && avx2 is null && avx512 is null && preferred is null)
        {
            Assert.Equal(Avx512F.IsSupported ? VectorWidth.W512 : Avx2.IsSupported ? VectorWidth.W256 : VectorWidth.W128, SimdWidth.Gemm);
            // The row kernels take the GEMM's width (512 bits on an AVX-512 CPU, although Vector<T> stays at 256 there).
            Assert.Equal(SimdWidth.Gemm, SimdWidth.Rows);
        }
    }
}
