using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The single-precision kernel at the start-up width (6 × 16 tiles with AVX2; WidthTests force every width; packed B, parallel split by columns or rows) against naive
/// double products: partial tiles, several inner blocks, both parallel splits, the in-place transposed reads of the
/// adjoints, overwrite (forward) and accumulate (adjoint) forms.
/// </summary>
public class FloatGemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 6, 16, 16 },     // exactly one tile
        { 7, 5, 17 },      // one row and one column past a tile
        { 64, 256, 10 },   // the MLP's narrow product (N = 10)
        { 64, 10, 256 },   // small inner dimension
        { 5, 600, 33 },    // three inner blocks, partial strips
        { 200, 70, 150 },  // parallel, split by columns
        { 400, 100, 20 },  // parallel, split by rows (few columns)
        { 130, 300, 131 }, // parallel, ragged everywhere
    };

    private static Tensor<float> ToFloat(Tensor<double> x) => Tensor.Create(Array.ConvertAll(Flat(x), v => (float)v), x.Lengths);

    private static void AssertNear(double[] expected, float[] actual, int inner)
    {
        Assert.Equal(expected.Length, actual.Length);
        double tolerance = 2e-6 * Math.Max(16, inner);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"index {i}: expected {expected[i]:R}, actual {actual[i]:R}");
        }
    }

    private static double[] Transposed(double[] x, int rows, int cols)
    {
        var t = new double[x.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                t[j * rows + i] = x[i * cols + j];
        return t;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Product_matches_naive(int m, int k, int n)
    {
        var rng = new Random(m * 31 + k * 7 + n);
        var a = Random(rng, new[] { m, k });
        var b = Random(rng, new[] { k, n });
        AssertNear(NaiveMatMul(Flat(a), Flat(b), m, k, n), Flat(Ops.MatMul(ToFloat(a), ToFloat(b))), k);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Product_into_overwrites_whatever_was_there(int m, int k, int n)
    {
        var rng = new Random(m + k + n);
        var a = Random(rng, new[] { m, k });
        var b = Random(rng, new[] { k, n });
        var into = ToFloat(Filled(new[] { m, n }, 123));
        Assert.Same(into, Ops.MatMul(ToFloat(a), ToFloat(b), into));
        AssertNear(NaiveMatMul(Flat(a), Flat(b), m, k, n), Flat(into), k);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Adjoints_accumulate_the_transposed_products(int m, int k, int n)
    {
        var rng = new Random(m * 3 + k * 5 + n * 11);
        var a = Random(rng, new[] { m, k });
        var b = Random(rng, new[] { k, n });
        var dY = Random(rng, new[] { m, n });
        var intoA = ToFloat(Filled(new[] { m, k }, 1));
        var intoB = ToFloat(Filled(new[] { k, n }, 1));
        Adjoint.MatMulLeft(ToFloat(dY), ToFloat(b), intoA);
        Adjoint.MatMulRight(ToFloat(a), ToFloat(dY), intoB);
        double[] expectedA = NaiveMatMul(Flat(dY), Transposed(Flat(b), k, n), m, n, k);
        double[] expectedB = NaiveMatMul(Transposed(Flat(a), m, k), Flat(dY), k, m, n);
        for (int i = 0; i < expectedA.Length; i++) expectedA[i] += 1;
        for (int i = 0; i < expectedB.Length; i++) expectedB[i] += 1;
        AssertNear(expectedA, Flat(intoA), n);
        AssertNear(expectedB, Flat(intoB), m);
    }

    [Fact]
    public void Concurrent_callers_get_the_same_results_as_serial_ones()
    {
        // Two threads share the worker pool: the second caller runs inline; results must not depend on that.
        var rng = new Random(5);
        var a = ToFloat(Random(rng, new[] { 150, 200 }));
        var b = ToFloat(Random(rng, new[] { 200, 170 }));
        float[] expected = Flat(Ops.MatMul(a, b));
        var results = new float[8][];
        System.Threading.Tasks.Parallel.For(0, results.Length, i => results[i] = Flat(Ops.MatMul(a, b)));
        foreach (float[] result in results) Assert.Equal(expected, result);
    }
}
