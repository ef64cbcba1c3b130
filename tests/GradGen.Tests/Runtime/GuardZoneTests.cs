using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;
using Xunit.Abstractions;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The unsafe kernels run on operands that lie between canary zones (<see cref="GuardZones.Zone"/> NaN-patterned
/// elements before and after, <see cref="GuardZones.Fill{T}"/>), and every zone must be intact afterwards: a write a few
/// elements past an operand passes every correctness test (it lands in a neighbour) but corrupts the heap. Every GEMM
/// layout at every width with edge and parallel shapes, the row kernels with row lengths that are not multiples of a
/// vector, the transposes, AdamW over both cores and the batched products. With <c>GRADGEN_GUARD=1</c> each test also
/// checks the zones of the kernels' own pinned buffers (<see cref="GuardZones.Check"/>), which exist only in guard mode.
/// </summary>
public unsafe class GuardZoneTests
{
    private const int Zone = GuardZones.Zone;
    private readonly ITestOutputHelper _output;

    public GuardZoneTests(ITestOutputHelper output)
    {
        _output = output;
        _output.WriteLine($"{SimdWidth.Describe()}; guard mode {(GuardZones.Enabled ? "on: pack and row buffers checked too" : "off: operands only")}");
    }

    // ── operands between canaries ──────────────────────────────────────────────────────────────

    /// <summary>An operand of <paramref name="length"/> random elements at <see cref="Zone"/> in an array with canaries on both sides.</summary>
    private static T[] Embed<T>(Random rng, int length) where T : IFloatingPointIeee754<T>
    {
        var array = new T[Zone + length + Zone];
        GuardZones.Fill<T>(array.AsSpan(0, Zone));
        GuardZones.Fill<T>(array.AsSpan(Zone + length));
        for (int i = 0; i < length; i++) array[Zone + i] = T.CreateTruncating(rng.NextDouble() * 2 - 1);
        return array;
    }

    private static Span<T> Inside<T>(T[] embedded) => embedded.AsSpan(Zone, embedded.Length - 2 * Zone);

    /// <summary>Both zones of <paramref name="embedded"/> hold only canaries.</summary>
    private static void AssertIntact<T>(T[] embedded, string what)
    {
        int before = GuardZones.FirstBroken<T>(embedded.AsSpan(0, Zone));
        int after = GuardZones.FirstBroken<T>(embedded.AsSpan(embedded.Length - Zone));
        Assert.True(before < 0, $"{what}: written {Zone - before} elements before its start");
        Assert.True(after < 0, $"{what}: written at element {after} past its end");
    }

    /// <summary>A dense tensor of the shape whose elements lie between canaries (as guard mode allocates).</summary>
    private static (Tensor<T> Tensor, T[] Embedded) EmbedTensor<T>(Random rng, params nint[] lengths) where T : IFloatingPointIeee754<T>
    {
        var embedded = Embed<T>(rng, TensorShape.Count(lengths));
        return (TensorShape.DenseAt(embedded, Zone, lengths), embedded);
    }

    private static void CheckBuffers(string what) => GuardZones.Check(what);

    // ── the guard itself ───────────────────────────────────────────────────────────────────────

    [Fact]
    public void A_guarded_tensor_is_dense_and_its_span_is_exactly_its_elements()
    {
        foreach (bool zeroed in new[] { true, false })
        {
            var t = GuardZones.NewTensor<float>(new nint[] { 3, 5, 7 }, zeroed);
            Assert.True(t.IsDense);
            var span = Dense.Span(t);
            Assert.Equal(105, span.Length);
            span.Fill(1);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 5; j++)
                    for (int k = 0; k < 7; k++)
                        Assert.Equal(1f, t[i, j, k]);
            t[2, 4, 6] = 5;
            Assert.Equal(5f, span[104]);
        }
    }

    [Fact]
    public void The_checker_names_the_kernel_and_the_allocation_site()
    {
        // In guard mode other tests' checks run concurrently and would report this deliberate damage first.
        if (GuardZones.Enabled) return;
        var span = GuardZones.NewSpan<double>(10, "test buffer");
        GuardZones.CheckAll("nothing");
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref span[0], 11)[10] = 0; // one past the end
        var error = Assert.Throws<GuardZoneException>(() => GuardZones.CheckAll("the test's write"));
        Assert.Contains("the test's write", error.Message);
        Assert.Contains("test buffer", error.Message);
        Assert.Contains("elements 10..10 (past the end)", error.Message);
        Assert.Contains(nameof(The_checker_names_the_kernel_and_the_allocation_site), error.Message);
        GuardZones.CheckAll("after the report");
    }

    // ── GEMM ───────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// How A and B are stored: row-major, Aᵀ (A read by columns: the packed strips), Bᵀ (B read by columns: the block
    /// transposes), both with a row stride past their width (strided).
    /// </summary>
    public enum GemmLayout { Plain, TransposedA, TransposedB, Strided }

    public static TheoryData<int, int, int, int, bool> GemmCases()
    {
        var data = new TheoryData<int, int, int, int, bool>();
        var shapes = new List<(int, int, int)>
        {
            (1, 1, 1), (1, 37, 1), (1, 5, 40), (40, 5, 1), (37, 1, 41),
            // MR ± 1 (6, 12) rows, NR ± 1 (8, 16, 32) columns at every width.
            (5, 9, 7), (7, 9, 9), (11, 20, 15), (13, 20, 17), (6, 3, 31), (12, 3, 33), (25, 19, 65),
            (3, 784, 7), (64, 784, 10),   // k = 784: four blocks of 196
            (260, 520, 64),               // taller than wide, row-split: A packed (Aᵀ), parallel
            (300, 200, 40),               // narrow: row chunks share one packing of B
            (70, 300, 260),               // wide: split by columns, each chunk packs its own panels
            (121, 257, 33),               // k past one block, m past MC (120)
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

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Gemm_writes_only_inside_C(int width, int m, int k, int n, bool inDouble)
    {
        foreach (GemmLayout layout in Enum.GetValues<GemmLayout>())
        {
            if (inDouble) Gemm<double>((VectorWidth)width, m, k, n, layout);
            else Gemm<float>((VectorWidth)width, m, k, n, layout);
        }
    }

    private static void Gemm<T>(VectorWidth width, int m, int k, int n, GemmLayout layout) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(m * 31 + k * 7 + n + (int)layout);
        // Extents: each operand is exactly as long as its last element (a row stride past the width where strided).
        nint aRow, aInner, bInner, bCol, ldc;
        int aLength, bLength;
        switch (layout)
        {
            case GemmLayout.TransposedA: (aRow, aInner, bInner, bCol) = (1, m, n, 1); break;
            case GemmLayout.TransposedB: (aRow, aInner, bInner, bCol) = (k, 1, 1, k); break;
            case GemmLayout.Strided: (aRow, aInner, bInner, bCol) = (k + 3, 1, n + 5, 1); break;
            default: (aRow, aInner, bInner, bCol) = (k, 1, n, 1); break;
        }
        ldc = layout == GemmLayout.Strided ? n + 2 : n;
        aLength = (int)((m - 1) * aRow + (k - 1) * aInner + 1);
        bLength = (int)((k - 1) * bInner + (n - 1) * bCol + 1);
        int cLength = (int)((m - 1) * ldc + n);
        T[] a = Embed<T>(rng, aLength), b = Embed<T>(rng, bLength), c = Embed<T>(rng, cLength);
        string what = $"{typeof(T).Name} {(int)width}-bit {layout} {m}×{k}×{n}";
        fixed (T* pa = &a[Zone], pb = &b[Zone], pc = &c[Zone])
        {
            foreach (bool overwrite in new[] { true, false })
            {
                if (typeof(T) == typeof(float)) Sgemm.Multiply(width, m, n, k, (float*)pa, aRow, aInner, (float*)pb, bInner, bCol, (float*)pc, ldc, overwrite);
                else Sgemm.Multiply(width, m, n, k, (double*)pa, aRow, aInner, (double*)pb, bInner, bCol, (double*)pc, ldc, overwrite);
                AssertIntact(c, $"C of {what}");
                AssertIntact(a, $"A of {what}");
                AssertIntact(b, $"B of {what}");
                CheckBuffers(what);
            }
        }
    }

    [Theory]
    [InlineData(3, 5, 7, 9, false)]       // items spread over cores (each product small)
    [InlineData(2, 130, 260, 70, false)]  // items one by one, each product parallel
    [InlineData(3, 5, 7, 9, true)]        // B broadcast over the batch: its gradient sums items
    public void Batched_products_write_only_inside_their_outputs(int batch, int m, int k, int n, bool broadcastB)
    {
        var rng = new Random(batch + m + k + n);
        var a = EmbedTensor<float>(rng, batch, m, k);
        var b = broadcastB ? EmbedTensor<float>(rng, 1, k, n) : EmbedTensor<float>(rng, batch, k, n);
        var y = EmbedTensor<float>(rng, batch, m, n);
        var folded = EmbedTensor<float>(rng, k, n); // a weight without batch dimensions: the batch folds into M
        foreach (var product in Enum.GetValues<BatchedGemm<float>.Product>())
        {
            foreach (bool overwrite in new[] { true, false })
            {
                BatchedGemm<float>.Run(product, a.Tensor, b.Tensor, y.Tensor, overwrite);
                BatchedGemm<float>.Run(product, a.Tensor, folded.Tensor, y.Tensor, overwrite);
                string what = $"batched {product} [{batch}, {m}, {k}]·[{(broadcastB ? 1 : batch)}, {k}, {n}] overwrite {overwrite}";
                AssertIntact(a.Embedded, "A of " + what);
                AssertIntact(b.Embedded, "B of " + what);
                AssertIntact(y.Embedded, "Y of " + what);
                AssertIntact(folded.Embedded, "folded B of " + what);
                CheckBuffers(what);
            }
        }
    }

    // ── row and element-wise kernels ─────────────────────────────────────────────────────────────

    public static TheoryData<int, int, int> RowCases()
    {
        var data = new TheoryData<int, int, int>();
        // Row lengths around every vector width (float 4/8/16, double 2/4/8 lanes); 1,500 rows of 33 run over both cores.
        (int rows, int length)[] shapes = { (1, 1), (3, 3), (5, 7), (4, 9), (7, 15), (3, 17), (9, 31), (2, 33), (1500, 33), (300, 129), (64, 100) };
        foreach (int width in new[] { 128, 256, 512 })
        {
            foreach (var (rows, length) in shapes) data.Add(width, rows, length);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RowCases))]
    public void Row_kernels_write_only_inside_their_rows(int width, int rows, int length)
    {
        Rows<float>((VectorWidth)width, rows, length);
        Rows<double>((VectorWidth)width, rows, length);
    }

    private static void Rows<T>(VectorWidth w, int rows, int length) where T : IFloatingPointIeee754<T>
    {
        var rng = new Random(rows * 100 + length);
        int count = rows * length;
        string shape = $"{typeof(T).Name} {(int)w}-bit {rows}×{length}";
        T[] x = Embed<T>(rng, count), y = Embed<T>(rng, count), dY = Embed<T>(rng, count), into = Embed<T>(rng, count);
        T[] weight = Embed<T>(rng, length), bias = Embed<T>(rng, length), dWeight = Embed<T>(rng, length), dBias = Embed<T>(rng, length);
        T[][] all = { x, y, dY, into, weight, bias, dWeight, dBias };
        string[] names = { "x", "y", "dY", "into", "weight", "bias", "dWeight", "dBias" };
        void Intact(string kernel)
        {
            for (int i = 0; i < all.Length; i++) AssertIntact(all[i], $"{names[i]} of {kernel} {shape}");
            CheckBuffers($"{kernel} {shape}");
        }

        RowKernels.Gelu<T>(Inside(x), Inside(y), w);
        Intact("GELU");
        RowKernels.Gelu<T>(Inside(y), Inside(y), w);
        Intact("GELU in place");
        RowKernels.GeluBackward<T>(Inside(dY), Inside(x), Inside(into), w);
        Intact("GELU backward");
        RowKernels.GeluBackward<T>(Inside(dY), Inside(x), Inside(into), w, overwrite: true);
        Intact("GELU backward, written");
        RowKernels.BiasGelu<T>(Inside(x), Inside(bias), Inside(y), w);
        Intact("bias GELU");
        RowKernels.BiasGeluBackward<T>(Inside(dY), Inside(x), Inside(bias), Inside(into), Inside(dBias), w, overwrite: false);
        Intact("bias GELU backward");
        RowKernels.BiasGeluBackward<T>(Inside(dY), Inside(x), Inside(bias), Inside(into), Inside(dBias), w, overwrite: true);
        Intact("bias GELU backward, written");
        RowKernels.BiasGeluBackward<T>(Inside(dY), Inside(x), Inside(bias), default, Inside(dBias), w, overwrite: false);
        Intact("bias GELU backward (bias only)");
        RowKernels.Add<T>(Inside(x), Inside(dY), Inside(y), 0, w);
        Intact("Add");
        RowKernels.Add<T>(Inside(x), Inside(bias), Inside(y), length, w);
        Intact("Add with a row bias");
        RowKernels.LayerNorm<T>(Inside(x), Inside(weight), Inside(bias), T.CreateTruncating(1e-5), Inside(y), length, w);
        Intact("LayerNorm");
        RowKernels.LayerNormBackward<T>(Inside(dY), Inside(x), Inside(weight), T.CreateTruncating(1e-5), Inside(into), Inside(dWeight), Inside(dBias), length, w);
        Intact("LayerNorm backward");
        RowKernels.LayerNormBackward<T>(Inside(dY), Inside(x), Inside(weight), T.CreateTruncating(1e-5), Inside(into), default, default, length, w);
        Intact("LayerNorm backward (dx only)");

        var targets = new int[rows];
        for (int r = 0; r < rows; r++) targets[r] = rng.Next(length);
        RowKernels.CrossEntropy<T>(Inside(x), targets, rows, length, T.One / T.CreateTruncating(rows), Inside(into), wantLoss: true, w);
        Intact("softmax cross-entropy");
        RowKernels.CrossEntropy<T>(Inside(x), targets, rows, length, T.One, default, wantLoss: true, w);
        Intact("softmax cross-entropy (loss only)");

        // Causal softmax: stacked [t, t] matrices, t = length (rows of them).
        int t = length, stacked = Math.Max(1, Math.Min(rows, 40000 / (t * t) + 1));
        T[] s = Embed<T>(rng, stacked * t * t), p = Embed<T>(rng, stacked * t * t), dP = Embed<T>(rng, stacked * t * t), dS = Embed<T>(rng, stacked * t * t);
        RowKernels.CausalSoftmax<T>(Inside(s), T.CreateTruncating(0.125), Inside(p), t, w);
        RowKernels.CausalSoftmaxBackward<T>(Inside(dP), Inside(p), T.CreateTruncating(0.125), Inside(dS), t, w);
        RowKernels.CausalSoftmax<T>(Inside(s), T.One, Inside(s), t, w); // in place
        foreach (var (array, name) in new[] { (s, "s"), (p, "y"), (dP, "dY"), (dS, "into") })
        {
            AssertIntact(array, $"{name} of causal softmax {typeof(T).Name} {(int)w}-bit {stacked}×[{t}, {t}]");
        }
        CheckBuffers($"causal softmax {shape}");
    }

    // ── transposes ─────────────────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(8, 8)]
    [InlineData(9, 7)]
    [InlineData(17, 33)]
    [InlineData(64, 65)]
    [InlineData(100, 3)]
    public void Transposes_write_only_inside_the_destination(int m, int n)
    {
        Transposes<float>(m, n);
        Transposes<double>(m, n);
    }

    private static void Transposes<T>(int m, int n) where T : IFloatingPointIeee754<T>
    {
        var rng = new Random(m * 1000 + n);
        T[] source = Embed<T>(rng, m * n), destination = Embed<T>(rng, m * n);
        string what = $"{typeof(T).Name} [{m}, {n}]";
        MatrixKernels.Transpose<T>(Inside(source), Inside(destination), m, n);
        AssertIntact(destination, "Transpose " + what);
        MatrixKernels.TransposeAccumulate<T>(Inside(source), Inside(destination), m, n);
        AssertIntact(destination, "TransposeAccumulate " + what);
        AssertIntact(source, "source of " + what);

        // Permutation's batched last-two swap: forward, accumulate, scatter; and a general permutation.
        nint[] shape = { 2, 3, m, n };
        int count = 6 * m * n;
        T[] data = Embed<T>(rng, count), other = Embed<T>(rng, count);
        foreach (var (accumulate, scatter) in new[] { (false, false), (true, false), (true, true) })
        {
            Permutation.Walk<T>(Inside(data), shape, new[] { 0, 1, 3, 2 }, Inside(other), accumulate, scatter);
            AssertIntact(other, $"batched last-two swap {what} accumulate {accumulate} scatter {scatter}");
            Permutation.Walk<T>(Inside(data), shape, new[] { 2, 0, 3, 1 }, Inside(other), accumulate, scatter);
            AssertIntact(other, $"permutation [2, 0, 3, 1] {what} accumulate {accumulate} scatter {scatter}");
        }
        AssertIntact(data, "data of " + what);
        CheckBuffers("transposes " + what);
    }

    // ── AdamW ──────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void AdamW_over_both_cores_writes_only_inside_parameters()
    {
        var rng = new Random(5);
        // Lengths that are not multiples of 16 (the chunk boundaries) and a total past the parallel threshold.
        nint[][] shapes = { new nint[] { 17 }, new nint[] { 201, 199 }, new nint[] { 33 }, new nint[] { 5001 }, new nint[] { 3 } };
        var parameters = new List<(Tensor<double> Tensor, double[] Embedded)>();
        var gradients = new List<(Tensor<double> Tensor, double[] Embedded)>();
        foreach (var shape in shapes)
        {
            parameters.Add(EmbedTensor<double>(rng, shape));
            gradients.Add(EmbedTensor<double>(rng, shape));
        }
        var adam = new AdamW<double>(parameters.ConvertAll(p => p.Tensor), learningRate: 1e-2, weightDecay: 0.1);
        for (int step = 0; step < 3; step++)
        {
            adam.Step(gradients.ConvertAll(g => g.Tensor), parallel: true);
            for (int i = 0; i < shapes.Length; i++)
            {
                AssertIntact(parameters[i].Embedded, $"parameter {i} after step {step}");
                AssertIntact(gradients[i].Embedded, $"gradient {i} after step {step}");
            }
            CheckBuffers("AdamW step");
        }
        var single = EmbedTensor<float>(rng, 40000 + 7);
        var singleGradient = EmbedTensor<float>(rng, 40000 + 7);
        var adamF = new AdamW<float>(new[] { single.Tensor });
        adamF.Step(new[] { singleGradient.Tensor }, parallel: true);
        AssertIntact(single.Embedded, "float parameter of 40,007");
        CheckBuffers("AdamW float step");
    }
}
