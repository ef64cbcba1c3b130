using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// MatMul and its adjoints on both code paths: the vectorised, register-tiled kernel (float, double) and the portable
/// fallback (Half, which Vector&lt;T&gt; does not support). Half inputs are small integers, so results are exact.
/// </summary>
public class MatrixTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 3, 4, 5 },
        { 7, 20, 3 },     // narrow result
        { 5, 3, 17 },     // partial column tile
        { 9, 300, 11 },   // several inner-dimension blocks
        { 3, 5, 1100 },   // several column blocks
        { 130, 70, 90 },  // large enough to run on several cores
    };

    private static double[] SmallIntegers(Random rng, int count)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = rng.Next(-2, 3);
        return values;
    }

    private static Tensor<Half> ToHalf(double[] values, int rows, int cols)
        => Tensor.Create(Array.ConvertAll(values, v => (Half)v), new nint[] { rows, cols });

    private static double[] FromHalf(Tensor<Half> t)
    {
        var flat = new Half[t.FlattenedLength];
        t.FlattenTo(flat);
        return Array.ConvertAll(flat, v => (double)v);
    }

    private static double[] Transposed(double[] x, int rows, int cols)
    {
        var t = new double[x.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                t[j * rows + i] = x[i * cols + j];
        return t;
    }

    private static double[] PlusOne(double[] x) => Array.ConvertAll(x, v => v + 1);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Vectorised_path_matches_naive_products(int m, int k, int n)
    {
        var rng = new Random(m + 7 * k + 31 * n);
        var a = Random(rng, new[] { m, k });
        var b = Random(rng, new[] { k, n });
        var dY = Random(rng, new[] { m, n });
        AssertClose(NaiveMatMul(Flat(a), Flat(b), m, k, n), Flat(Ops.MatMul(a, b)), 1e-12);

        var intoA = Filled(new[] { m, k }, 1);
        var intoB = Filled(new[] { k, n }, 1);
        Adjoint.MatMulLeft(dY, b, intoA);
        Adjoint.MatMulRight(a, dY, intoB);
        AssertClose(PlusOne(NaiveMatMul(Flat(dY), Transposed(Flat(b), k, n), m, n, k)), Flat(intoA), 1e-12);
        AssertClose(PlusOne(NaiveMatMul(Transposed(Flat(a), m, k), Flat(dY), k, m, n)), Flat(intoB), 1e-12);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fallback_path_matches_naive_products(int m, int k, int n)
    {
        if (k > 100 || n > 500) k = Math.Min(k, 100); // keep Half sums exact (|sum| ≤ 4k ≤ 2048)
        var rng = new Random(m + 7 * k + 31 * n);
        double[] a = SmallIntegers(rng, m * k), b = SmallIntegers(rng, k * n), dY = SmallIntegers(rng, m * n);
        Assert.Equal(NaiveMatMul(a, b, m, k, n), FromHalf(Ops.MatMul(ToHalf(a, m, k), ToHalf(b, k, n))));

        var intoA = ToHalf(new double[m * k], m, k);
        var intoB = ToHalf(new double[k * n], k, n);
        intoA.Fill((Half)1);
        intoB.Fill((Half)1);
        Adjoint.MatMulLeft(ToHalf(dY, m, n), ToHalf(b, k, n), intoA);
        Adjoint.MatMulRight(ToHalf(a, m, k), ToHalf(dY, m, n), intoB);
        Assert.Equal(PlusOne(NaiveMatMul(dY, Transposed(b, k, n), m, n, k)), FromHalf(intoA));
        Assert.Equal(PlusOne(NaiveMatMul(Transposed(a, m, k), dY, k, m, n)), FromHalf(intoB));
    }

    [Fact]
    public void Float_matches_double_within_float_precision()
    {
        var rng = new Random(3);
        var a = Random(rng, new[] { 33, 45 });
        var b = Random(rng, new[] { 45, 29 });
        var af = Tensor.Create(Array.ConvertAll(Flat(a), v => (float)v), a.Lengths);
        var bf = Tensor.Create(Array.ConvertAll(Flat(b), v => (float)v), b.Lengths);
        double[] expected = NaiveMatMul(Flat(a), Flat(b), 33, 45, 29);
        float[] actual = Flat(Ops.MatMul(af, bf));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
    }

    [Fact]
    public void Relu_adjoint_vector_body_and_scalar_tail()
    {
        var rng = new Random(4);
        var x = AwayFromZero(rng, new[] { 37 });
        var dY = Random(rng, new[] { 37 });
        var into = Filled(new[] { 37 }, 1);
        Adjoint.Relu(dY, x, into);
        double[] xs = Flat(x), gs = Flat(dY);
        var expected = new double[37];
        for (int i = 0; i < 37; i++) expected[i] = 1 + (xs[i] > 0 ? gs[i] : 0);
        Assert.Equal(expected, Flat(into));
    }
}
