using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

public class OpsTests
{
    [Theory]
    [InlineData(3, 4, 5)]
    [InlineData(1, 1, 1)]
    [InlineData(7, 40, 3)]     // narrow result: dot-product path
    [InlineData(5, 3, 17)]
    [InlineData(130, 70, 90)]  // large enough to run on several cores
    [InlineData(40, 300, 33)]  // k spans several cache blocks
    public void MatMul_matches_triple_loop(int m, int k, int n)
    {
        var rng = new Random(m * 1000 + k * 10 + n);
        var a = Random(rng, new[] { m, k });
        var b = Random(rng, new[] { k, n });
        var c = Ops.MatMul(a, b);
        Assert.Equal(new[] { m, n }, Shape(c));
        Assert.True(c.IsDense);
        AssertClose(NaiveMatMul(Flat(a), Flat(b), m, k, n), Flat(c), 1e-12);
    }

    [Fact]
    public void MatMul_with_empty_inner_dimension_is_zero()
    {
        var c = Ops.MatMul(FromArray(Array.Empty<double>(), 2, 0), FromArray(Array.Empty<double>(), 0, 3));
        Assert.Equal(new[] { 2, 3 }, Shape(c));
        Assert.All(Flat(c), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void MatMul_works_for_float()
    {
        var rng = new Random(5);
        var a = Random(rng, new[] { 6, 20 });
        var b = Random(rng, new[] { 20, 4 });
        var af = Tensor.Create(Array.ConvertAll(Flat(a), v => (float)v), a.Lengths);
        var bf = Tensor.Create(Array.ConvertAll(Flat(b), v => (float)v), b.Lengths);
        double[] expected = NaiveMatMul(Flat(a), Flat(b), 6, 20, 4);
        float[] actual = Flat(Ops.MatMul(af, bf));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
    }

    [Fact]
    public void Transpose_matches_naive_and_is_dense()
    {
        var rng = new Random(1);
        var x = Random(rng, new[] { 37, 45 }); // not a multiple of the tile size
        var t = Ops.Transpose(x);
        Assert.Equal(new[] { 45, 37 }, Shape(t));
        Assert.True(t.IsDense);
        for (int i = 0; i < 37; i++)
            for (int j = 0; j < 45; j++)
                Assert.Equal(x[i, j], t[j, i]);
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 3 })]
    [InlineData(new[] { 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 1 })]
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 2, 3, 4, 5 })]
    [InlineData(new[] { 2, 3 }, new[] { 1 })]
    public void Add_equals_the_tensor_plus_operator(int[] sa, int[] sb)
    {
        var rng = new Random(7);
        var a = Random(rng, sa);
        var b = Random(rng, sb);
        Tensor<double> expected = a + b;
        var actual = Ops.Add(a, b);
        Assert.Equal(Shape(expected), Shape(actual));
        Assert.Equal(Flat(expected), Flat(actual));
    }

    [Fact]
    public void Add_broadcasts_both_operands_like_numpy()
    {
        // [2, 1] + [1, 3] → [2, 3]: both operands stretch (numpy semantics).
        var a = FromArray(new double[] { 10, 20 }, 2, 1);
        var b = FromArray(new double[] { 1, 2, 3 }, 1, 3);
        var c = Ops.Add(a, b);
        Assert.Equal(new[] { 2, 3 }, Shape(c));
        Assert.Equal(new double[] { 11, 12, 13, 21, 22, 23 }, Flat(c));
    }

    public static TheoryData<string> BinaryOps => new() { "Add", "Subtract", "Multiply", "Divide" };

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_ops_match_naive_broadcasting_on_random_shapes(string op)
    {
        var rng = new Random(op.Length * 31);
        Func<double, double, double> reference = op switch
        {
            "Add" => (x, y) => x + y,
            "Subtract" => (x, y) => x - y,
            "Multiply" => (x, y) => x * y,
            _ => (x, y) => x / y,
        };
        Func<Tensor<double>, Tensor<double>, Tensor<double>> actual = op switch
        {
            "Add" => Ops.Add,
            "Subtract" => Ops.Subtract,
            "Multiply" => Ops.Multiply,
            _ => Ops.Divide,
        };
        for (int trial = 0; trial < 200; trial++)
        {
            (int[] sa, int[] sb) = RandomBroadcastPair(rng);
            var a = Random(rng, sa);
            var b = Random(rng, sb, 0.5, 2);
            double[] expected = NaiveBinary(reference, a, b, out int[] shape);
            var result = actual(a, b);
            Assert.Equal(shape, Shape(result));
            Assert.Equal(expected, Flat(result));
        }
    }

    /// <summary>Two random shapes of rank 1–4 that broadcast: a common shape with some dims set to 1 or dropped.</summary>
    internal static (int[] A, int[] B) RandomBroadcastPair(Random rng)
    {
        int rank = rng.Next(1, 5);
        var full = new int[rank];
        for (int d = 0; d < rank; d++) full[d] = rng.Next(1, 5);
        return (Derive(rng, full), Derive(rng, full));

        static int[] Derive(Random rng, int[] full)
        {
            int drop = rng.Next(0, full.Length); // leading dims to drop
            var shape = full[drop..];
            for (int d = 0; d < shape.Length; d++) if (rng.Next(3) == 0) shape[d] = 1;
            return shape;
        }
    }

    [Fact]
    public void Scalar_overloads_apply_elementwise_in_the_right_order()
    {
        var x = FromArray(new double[] { 1, 2, 4, 8 }, 2, 2);
        Assert.Equal(new double[] { 4, 5, 7, 11 }, Flat(Ops.Add(x, 3.0)));
        Assert.Equal(new double[] { 4, 5, 7, 11 }, Flat(Ops.Add(3.0, x)));
        Assert.Equal(new double[] { -2, -1, 1, 5 }, Flat(Ops.Subtract(x, 3.0)));
        Assert.Equal(new double[] { 2, 1, -1, -5 }, Flat(Ops.Subtract(3.0, x)));
        Assert.Equal(new double[] { 3, 6, 12, 24 }, Flat(Ops.Multiply(x, 3.0)));
        Assert.Equal(new double[] { 3, 6, 12, 24 }, Flat(Ops.Multiply(3.0, x)));
        Assert.Equal(new double[] { 0.5, 1, 2, 4 }, Flat(Ops.Divide(x, 2.0)));
        Assert.Equal(new double[] { 8, 4, 2, 1 }, Flat(Ops.Divide(8.0, x)));
        Assert.Equal(new double[] { -1, -2, -4, -8 }, Flat(Ops.Negate(x)));
        Assert.Equal(new[] { 2, 2 }, Shape(Ops.Subtract(3.0, x)));
    }

    [Fact]
    public void Elementwise_functions_match_math()
    {
        var x = FromArray(new double[] { -2, -0.5, 0, 0.25, 1, 3 }, 2, 3);
        var positive = FromArray(new double[] { 0.1, 0.5, 1, 2, 4, 9 }, 3, 2);
        double[] xs = Flat(x), ps = Flat(positive);
        AssertClose(Array.ConvertAll(xs, v => Math.Max(v, 0)), Flat(Ops.Relu(x)), 1e-15);
        AssertClose(Array.ConvertAll(xs, v => 1 / (1 + Math.Exp(-v))), Flat(Ops.Sigmoid(x)), 1e-14);
        AssertClose(Array.ConvertAll(xs, Math.Tanh), Flat(Ops.Tanh(x)), 1e-14);
        AssertClose(Array.ConvertAll(xs, Math.Exp), Flat(Ops.Exp(x)), 1e-14);
        AssertClose(Array.ConvertAll(xs, v => v * v), Flat(Ops.Square(x)), 1e-15);
        AssertClose(Array.ConvertAll(ps, Math.Log), Flat(Ops.Log(positive)), 1e-14);
        AssertClose(Array.ConvertAll(ps, Math.Sqrt), Flat(Ops.Sqrt(positive)), 1e-15);
        Assert.Equal(new[] { 3, 2 }, Shape(Ops.Sqrt(positive)));
    }

    [Fact]
    public void Forward_ops_do_not_modify_inputs_and_return_new_tensors()
    {
        var rng = new Random(3);
        var x = Random(rng, new[] { 3, 4 });
        double[] before = Flat(x);
        var y = Ops.Exp(x);
        Ops.Add(x, x);
        Ops.Softmax(x);
        Assert.Equal(before, Flat(x));
        y[0, 0] = 123;
        Assert.Equal(before, Flat(x));
    }

    [Fact]
    public void Sum_and_mean()
    {
        var rng = new Random(4);
        var x = Random(rng, new[] { 2, 3, 4 });
        double expected = 0;
        foreach (double v in Flat(x)) expected += v;
        AssertClose(expected, Ops.Sum(x), 1e-14);
        AssertClose(expected / 24, Ops.Mean(x), 1e-14);
    }

    [Theory]
    [InlineData(new[] { 5 })]
    [InlineData(new[] { 3, 4 })]
    [InlineData(new[] { 2, 3, 4 })]
    [InlineData(new[] { 2, 2, 3, 5 })]
    public void Softmax_rows_sum_to_one_and_match_the_definition(int[] shape)
    {
        var rng = new Random(shape.Length);
        var x = Random(rng, shape, -3, 3);
        var y = Ops.Softmax(x);
        Assert.Equal(shape, Shape(y));
        double[] xs = Flat(x), ys = Flat(y);
        int n = shape[^1];
        for (int row = 0; row < xs.Length / n; row++)
        {
            double denominator = 0, total = 0;
            for (int j = 0; j < n; j++) denominator += Math.Exp(xs[row * n + j]);
            for (int j = 0; j < n; j++)
            {
                AssertClose(Math.Exp(xs[row * n + j]) / denominator, ys[row * n + j], 1e-14);
                total += ys[row * n + j];
            }
            AssertClose(1.0, total, 1e-14);
        }
    }

    [Fact]
    public void Softmax_is_stable_for_large_inputs()
    {
        var y = Ops.Softmax(FromArray(new double[] { 1000, 1001, 1002, -1000, 0, 1000 }, 2, 3));
        double[] ys = Flat(y);
        Assert.All(ys, v => Assert.True(double.IsFinite(v)));
        double e1 = Math.Exp(-1), e2 = Math.Exp(-2);
        AssertClose(new[] { e2 / (1 + e1 + e2), e1 / (1 + e1 + e2), 1 / (1 + e1 + e2) }, ys[..3], 1e-14);
        AssertClose(new[] { 0.0, 0.0, 1.0 }, ys[3..], 1e-14);
    }

    [Fact]
    public void SoftmaxCrossEntropy_matches_the_naive_formula()
    {
        var rng = new Random(11);
        var z = Random(rng, new[] { 4, 5 }, -2, 2);
        int[] targets = { 0, 4, 2, 2 };
        double[] zs = Flat(z);
        double expected = 0;
        for (int i = 0; i < 4; i++)
        {
            double denominator = 0;
            for (int j = 0; j < 5; j++) denominator += Math.Exp(zs[i * 5 + j]);
            expected += -Math.Log(Math.Exp(zs[i * 5 + targets[i]]) / denominator);
        }
        AssertClose(expected / 4, Ops.SoftmaxCrossEntropy(z, targets), 1e-13);
    }

    [Fact]
    public void SoftmaxCrossEntropy_is_stable_for_large_logits()
    {
        var z = FromArray(new double[] { 1000, 0, -1000, 2000 }, 2, 2);
        double loss = Ops.SoftmaxCrossEntropy(z, new[] { 1, 0 });
        // Row 0: −log softmax = 1000 + log(1 + e^−1000) ≈ 1000. Row 1: 3000 + log(1 + e^−3000) ≈ 3000.
        AssertClose(2000, loss, 1e-12);
        Assert.Equal(0.0, Ops.SoftmaxCrossEntropy(FromArray(new double[] { 1000, 0 }, 1, 2), new[] { 0 }), 12);
    }

    [Fact]
    public void ZerosLike_is_a_new_dense_zero_tensor_of_the_same_shape()
    {
        var x = Tensor.Transpose(Filled(new[] { 2, 3 }, 5));
        var z = Ops.ZerosLike(x);
        Assert.Equal(new[] { 3, 2 }, Shape(z));
        Assert.True(z.IsDense);
        Assert.All(Flat(z), v => Assert.Equal(0.0, v));
        z[0, 0] = 1;
        Assert.Equal(5.0, x[0, 0]);
    }
}
