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
            (30, 1024, 40), // A's rows 4 KB apart in float (8 KB in double), too few panels to repay packing: read in place
            (37, 512, 70), // 2 KB apart in float: six rows to an L1 set, read in place (the packed path: Row_major_A_with_rows_4_KB_apart…)
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
        double[] expected = Product(a, b, m, k, n);
        foreach (Layout layout in Enum.GetValues<Layout>())
        {
            // Store A as [m, k] or [k, m], B as [k, n] or [n, k]; strides read them as A[m, k] and B[k, n].
            double[] aStored = layout == Layout.TransposedA ? Transpose(a, m, k) : a;
            double[] bStored = layout == Layout.TransposedB ? Transpose(b, k, n) : b;
            nint aRow = layout == Layout.TransposedA ? 1 : k, aInner = layout == Layout.TransposedA ? m : 1;
            nint bInner = layout == Layout.TransposedB ? 1 : n, bCol = layout == Layout.TransposedB ? k : 1;
            // C with a leading dimension past n, so a store beyond the row would show.
            int ldc = n + 3;
            if (inDouble) ProductMatches(w, m, n, k, aStored, aRow, aInner, bStored, bInner, bCol, ldc, expected, 1e-13, layout);
            else ProductMatches(w, m, n, k, Array.ConvertAll(aStored, v => (float)v), aRow, aInner, Array.ConvertAll(bStored, v => (float)v), bInner, bCol, ldc, expected, 2e-6, layout);
        }
    }

    /// <summary>C (7 everywhere, row stride <paramref name="ldc"/>) = A·B then += A·B at a forced width, checked after each.</summary>
    private static void ProductMatches<T>(VectorWidth w, int m, int n, int k, T[] a, nint aRow, nint aInner, T[] b, nint bInner, nint bCol, int ldc, double[] expected, double epsilon, Layout layout)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var c = new T[m * ldc];
        Array.Fill(c, T.CreateChecked(7));
        Multiply(w, m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite: true);
        Check(expected, i => double.CreateChecked(c[i]), m, n, ldc, k, epsilon, 0, layout);
        Multiply(w, m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite: false);
        Check(expected, i => double.CreateChecked(c[i]), m, n, ldc, k, epsilon, 1, layout);
    }

    /// <summary><see cref="Sgemm"/>'s forced-width product for the element type (float or double); a null bias: no epilogue.</summary>
    private static void Multiply<T>(VectorWidth w, int m, int n, int k, T[] a, nint aRow, nint aInner, T[] b, nint bInner, nint bCol, T[] c, int ldc, bool overwrite, T[]? bias = null, bool relu = false)
        where T : unmanaged
    {
        fixed (T* pa = a, pb = b, pc = c, pbias = bias)
        {
            if (typeof(T) == typeof(float)) Sgemm.Multiply(w, m, n, k, (float*)pa, aRow, aInner, (float*)pb, bInner, bCol, (float*)pc, ldc, overwrite, (float*)pbias, relu);
            else Sgemm.Multiply(w, m, n, k, (double*)pa, aRow, aInner, (double*)pb, bInner, bCol, (double*)pc, ldc, overwrite, (double*)pbias, relu);
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
                    string context = $"{layout}, overwrite {overwrite}, relu {relu}";
                    if (inDouble) EpilogueMatches(w, m, n, k, aStored, aRow, aInner, bStored, bInner, bCol, bias, ldc, overwrite, relu, context);
                    else EpilogueMatches(w, m, n, k, Array.ConvertAll(aStored, v => (float)v), aRow, aInner, Array.ConvertAll(bStored, v => (float)v), bInner, bCol, Array.ConvertAll(bias, v => (float)v), ldc, overwrite, relu, context);
                }
            }
        }
    }

    /// <summary>The product with the epilogue against the product followed by the pass (C 0.25 everywhere before), bit for bit.</summary>
    private static void EpilogueMatches<T>(VectorWidth w, int m, int n, int k, T[] a, nint aRow, nint aInner, T[] b, nint bInner, nint bCol, T[] bias, int ldc, bool overwrite, bool relu, string context)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var expected = new T[m * ldc];
        Array.Fill(expected, T.CreateChecked(0.25));
        var actual = (T[])expected.Clone();
        Multiply(w, m, n, k, a, aRow, aInner, b, bInner, bCol, expected, ldc, overwrite);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T x = expected[i * ldc + j] + bias[j];
                expected[i * ldc + j] = relu ? T.Max(x, T.Zero) : x;
            }
        }
        Multiply(w, m, n, k, a, aRow, aInner, b, bInner, bCol, actual, ldc, overwrite, bias, relu);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(OverwriteTests.Bits(expected[i]) == OverwriteTests.Bits(actual[i]), $"{context}: element {i} is {actual[i]}, expected {expected[i]}");
        }
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

    /// <summary>The reference: A[m, k] · B[k, n] in double, row-major.</summary>
    private static double[] Product(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++)
                    c[i * n + j] += a[i * k + p] * b[p * n + j];
        return c;
    }

    private static double[] Transpose(double[] x, int rows, int cols)
    {
        var t = new double[x.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                t[j * rows + i] = x[i * cols + j];
        return t;
    }

    /// <summary>
    /// A row-major A whose rows are 4 KB (float; double 8 KB) apart, read by the 12-row tile (512 bits; ARM64's 128): its strips are packed
    /// (PackedGemm.RowsAlias) through 128-bit block transposes — a partial last strip, a block depth (1,021 / 3 = 341)
    /// that leaves inner indices past the last whole block, and NaN in each row's padding past k, which must not be read.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Row_major_A_with_rows_4_KB_apart_is_packed_and_multiplied_exactly(bool inDouble)
    {
        const int m = 30, k = 1021, n = 200;
        const int stride = 1024; // 4 KB of float, 8 KB of double
        var rng = new Random(41);
        double[] a = Random(rng, m * k), b = Random(rng, k * n);
        double[] expected = Product(a, b, m, k, n);
        var aStored = new double[m * stride];
        Array.Fill(aStored, double.NaN);
        for (int i = 0; i < m; i++) Array.Copy(a, i * k, aStored, i * stride, k);
        long before = KernelCounters.AliasedRowsPacked;
        if (inDouble) ProductMatches(VectorWidth.W512, m, n, k, aStored, stride, 1, b, n, 1, n + 3, expected, 1e-13, Layout.Plain);
        else ProductMatches(VectorWidth.W512, m, n, k, Array.ConvertAll(aStored, v => (float)v), stride, 1, Array.ConvertAll(b, v => (float)v), n, 1, n + 3, expected, 2e-6, Layout.Plain);
        Assert.Equal(2, KernelCounters.AliasedRowsPacked - before); // the overwrite and the accumulate each packed A
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
