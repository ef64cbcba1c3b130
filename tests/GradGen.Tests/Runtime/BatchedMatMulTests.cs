using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// Batched MatMul (numpy <c>matmul</c> over leading dimensions, broadcasting) against a naive per-item product, and its
/// adjoints against central finite differences in double, including broadcast batch dimensions whose gradients are
/// summed over the items that read them.
/// </summary>
public class BatchedMatMulTests
{
    public static TheoryData<int[], int[]> Pairs => new()
    {
        { new[] { 2, 3, 4 }, new[] { 4, 5 } },          // activation [B, T, K] times a weight [K, N]
        { new[] { 2, 3, 4 }, new[] { 2, 4, 5 } },       // equal batches
        { new[] { 2, 2, 3, 4 }, new[] { 2, 2, 4, 3 } }, // attention-like [B, H, T, D] · [B, H, D, T]
        { new[] { 3, 4 }, new[] { 2, 4, 5 } },          // 2-D left operand broadcast over b's batch
        { new[] { 2, 1, 3, 4 }, new[] { 3, 4, 2 } },    // both sides stretch: batch [2, 3]
        { new[] { 1, 3, 4 }, new[] { 2, 4, 5 } },       // size-1 batch dimension broadcast
    };

    /// <summary>numpy's matmul, item by item through the tensor indexers.</summary>
    private static double[] NaiveBatched(Tensor<double> a, Tensor<double> b, out int[] shape)
    {
        int[] sa = Shape(a), sb = Shape(b);
        int m = sa[^2], k = sa[^1], n = sb[^1];
        int[] batch = BroadcastShape(sa[..^2], sb[..^2]) ?? throw new InvalidOperationException("batches do not broadcast");
        shape = [.. batch, m, n];
        var result = new double[Count(shape)];
        var index = new nint[batch.Length];
        for (int t = 0, offset = 0; t < Count(batch); t++, offset += m * n)
        {
            nint[] ia = SourceIndex(index, sa[..^2]), ib = SourceIndex(index, sb[..^2]);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += a[[.. ia, i, p]] * b[[.. ib, p, j]];
                    result[offset + i * n + j] = s;
                }
            Next(index, batch);
        }
        return result;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Forward_matches_numpy_matmul(int[] sa, int[] sb)
    {
        var rng = new Random(1);
        var a = Random(rng, sa);
        var b = Random(rng, sb);
        double[] expected = NaiveBatched(a, b, out int[] shape);
        var y = Ops.MatMul(a, b);
        Assert.Equal(shape, Shape(y));
        AssertClose(expected, Flat(y), 1e-12);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Adjoints_match_finite_differences(int[] sa, int[] sb)
    {
        var rng = new Random(2);
        var a = Random(rng, sa);
        var b = Random(rng, sb);
        var dY = Random(rng, Shape(Ops.MatMul(a, b)));
        var intoA = Filled(sa, 1);
        var intoB = Filled(sb, 1);
        Adjoint.MatMulLeft(dY, b, intoA);
        Adjoint.MatMulRight(a, dY, intoB);
        double[] expectedA = FiniteDifferences(t => Weighted(Ops.MatMul(t, b), dY), a);
        double[] expectedB = FiniteDifferences(t => Weighted(Ops.MatMul(a, t), dY), b);
        for (int i = 0; i < expectedA.Length; i++) expectedA[i] += 1;
        for (int i = 0; i < expectedB.Length; i++) expectedB[i] += 1;
        AssertClose(expectedA, Flat(intoA));
        AssertClose(expectedB, Flat(intoB));
    }

    [Fact]
    public void Many_small_float_items_run_in_parallel_and_match_per_item_products()
    {
        // 64 items of 20 × 24 × 20: each too small to split, together enough to spread over cores.
        var rng = new Random(3);
        var a = Random(rng, new[] { 8, 8, 20, 24 });
        var b = Random(rng, new[] { 8, 8, 24, 20 });
        var af = Tensor.Create(Array.ConvertAll(Flat(a), v => (float)v), a.Lengths);
        var bf = Tensor.Create(Array.ConvertAll(Flat(b), v => (float)v), b.Lengths);
        double[] expected = NaiveBatched(a, b, out _);
        float[] actual = Flat(Ops.MatMul(af, bf));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
        var dY = Random(rng, new[] { 8, 8, 20, 20 });
        var dYf = Tensor.Create(Array.ConvertAll(Flat(dY), v => (float)v), dY.Lengths);
        var intoA = Tensor.Create(new float[a.FlattenedLength], a.Lengths);
        var intoAd = Filled(Shape(a), 0);
        Adjoint.MatMulLeft(dYf, bf, intoA);
        Adjoint.MatMulLeft(dY, b, intoAd);
        double[] expectedA = Flat(intoAd);
        float[] actualA = Flat(intoA);
        for (int i = 0; i < expectedA.Length; i++) Assert.Equal(expectedA[i], actualA[i], 1e-4);
    }

    [Fact]
    public void Adjoint_shape_errors_name_the_kernel_and_shapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Adjoint.MatMulLeft(Filled(new[] { 2, 3, 5 }, 0), Filled(new[] { 4, 5 }, 0), Filled(new[] { 3, 3, 4 }, 0)));
        Assert.Contains("Adjoint.MatMulLeft: dY [2, 3, 5], b [4, 5] and into [3, 3, 4] are inconsistent", error.Message);
    }
}
