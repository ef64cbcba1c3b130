using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// Every Adjoint kernel against central finite differences of the matching Ops forward. Each kernel accumulates
/// into a buffer pre-filled with ones, so the expected buffer is 1 + gradient (accumulation really adds).
/// </summary>
public class AdjointTests
{
    /// <summary>Runs <paramref name="kernel"/> on a buffer of ones shaped like x and compares with 1 + ∇f(x).</summary>
    private static void CheckAccumulated(Func<Tensor<double>, double> f, Tensor<double> x, Action<Tensor<double>> kernel, double tolerance = 1e-6)
    {
        var into = Filled(Shape(x), 1.0);
        kernel(into);
        double[] expected = FiniteDifferences(f, x);
        for (int i = 0; i < expected.Length; i++) expected[i] += 1;
        AssertClose(expected, Flat(into), tolerance);
    }

    // Broadcast shape pairs (a, b) for the binary-op kernels: same shape, trailing vector, and both sides stretching.
    public static TheoryData<int[], int[]> Pairs => new()
    {
        { new[] { 2, 3 }, new[] { 2, 3 } },
        { new[] { 2, 3 }, new[] { 3 } },
        { new[] { 3 }, new[] { 2, 3 } },
        { new[] { 2, 1 }, new[] { 1, 3 } },
        { new[] { 4, 1, 3 }, new[] { 2, 3 } },
        { new[] { 2, 3, 4 }, new[] { 1 } },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Identity_is_the_gradient_of_both_operands_of_Add(int[] sa, int[] sb)
    {
        var rng = new Random(1);
        var a = Random(rng, sa);
        var b = Random(rng, sb);
        var dY = Random(rng, Shape(Ops.Add(a, b)));
        CheckAccumulated(t => Weighted(Ops.Add(t, b), dY), a, into => Adjoint.Identity(dY, into));
        CheckAccumulated(t => Weighted(Ops.Add(a, t), dY), b, into => Adjoint.Identity(dY, into));
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Scaled_minus_one_is_the_gradient_of_the_subtrahend(int[] sa, int[] sb)
    {
        var rng = new Random(2);
        var a = Random(rng, sa);
        var b = Random(rng, sb);
        var dY = Random(rng, Shape(Ops.Subtract(a, b)));
        CheckAccumulated(t => Weighted(Ops.Subtract(t, b), dY), a, into => Adjoint.Identity(dY, into));
        CheckAccumulated(t => Weighted(Ops.Subtract(a, t), dY), b, into => Adjoint.Scaled(dY, -1.0, into));
    }

    [Fact]
    public void Scaled_is_the_gradient_of_a_tensor_times_a_scalar()
    {
        var rng = new Random(3);
        var x = Random(rng, new[] { 3, 4 });
        var dY = Random(rng, new[] { 3, 4 });
        const double s = -1.75;
        CheckAccumulated(t => Weighted(Ops.Multiply(t, s), dY), x, into => Adjoint.Scaled(dY, s, into));
        CheckAccumulated(t => Weighted(Ops.Divide(t, s), dY), x, into => Adjoint.Scaled(dY, 1 / s, into));
        CheckAccumulated(t => Weighted(Ops.Negate(t), dY), x, into => Adjoint.Scaled(dY, -1.0, into));
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Multiply_is_the_Hadamard_rule_for_both_operands(int[] sa, int[] sb)
    {
        var rng = new Random(4);
        var a = Random(rng, sa);
        var b = Random(rng, sb);
        var dY = Random(rng, Shape(Ops.Multiply(a, b)));
        CheckAccumulated(t => Weighted(Ops.Multiply(t, b), dY), a, into => Adjoint.Multiply(dY, b, into));
        CheckAccumulated(t => Weighted(Ops.Multiply(a, t), dY), b, into => Adjoint.Multiply(dY, a, into));
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void DivideNumerator_and_DivideDenominator(int[] sa, int[] sb)
    {
        var rng = new Random(5);
        var a = Random(rng, sa);
        var b = Random(rng, sb, 0.5, 2);
        var y = Ops.Divide(a, b);
        var dY = Random(rng, Shape(y));
        CheckAccumulated(t => Weighted(Ops.Divide(t, b), dY), a, into => Adjoint.DivideNumerator(dY, b, into));
        CheckAccumulated(t => Weighted(Ops.Divide(a, t), dY), b, into => Adjoint.DivideDenominator(dY, y, b, into));
    }

    [Fact]
    public void Dot_is_the_gradient_of_the_scalar_factor()
    {
        var rng = new Random(6);
        var x = Random(rng, new[] { 3, 4 });
        var dY = Random(rng, new[] { 3, 4 });
        double s = 0.7;
        double expected = FiniteDifference(v => Weighted(Ops.Multiply(x, v), dY), s);
        AssertClose(expected, Adjoint.Dot(dY, x));
        // Scalar denominator of a tensor numerator: ∂/∂s Σ dY ⊙ (x / s) = −Dot(dY, y) / s (the generator's rule).
        var y = Ops.Divide(x, s);
        AssertClose(FiniteDifference(v => Weighted(Ops.Divide(x, v), dY), s), -Adjoint.Dot(dY, y) / s);
    }

    [Fact]
    public void Dot_broadcasts_x_to_dY()
    {
        var rng = new Random(7);
        var x = Random(rng, new[] { 3 });
        var dY = Random(rng, new[] { 2, 3 });
        double expected = 0;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                expected += dY[i, j] * x[j];
        AssertClose(expected, Adjoint.Dot(dY, x), 1e-14);
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 3 }, new[] { 3 })]
    [InlineData(new[] { 2, 3 }, new[] { 2, 1 })]
    public void SumDivide_is_the_gradient_of_a_scalar_numerator(int[] dYShape, int[] bShape)
    {
        var rng = new Random(8);
        var b = Random(rng, bShape, 0.5, 2);
        var dY = Random(rng, dYShape);
        // y = s ⊘ b broadcast to dY's shape: add a zero tensor of dY's shape so the forward has that shape.
        var zeros = Filled(dYShape, 0);
        double expected = FiniteDifference(s => Weighted(Ops.Add(zeros, Ops.Divide(s, b)), dY), 1.3);
        AssertClose(expected, Adjoint.SumDivide(dY, b));
    }

    [Theory]
    [InlineData(3, 4, 5)]
    [InlineData(2, 20, 3)]
    [InlineData(1, 1, 1)]
    public void MatMulLeft_and_MatMulRight(int m, int k, int n)
    {
        var rng = new Random(9);
        var a = Random(rng, new[] { m, k });
        var b = Random(rng, new[] { k, n });
        var dY = Random(rng, new[] { m, n });
        CheckAccumulated(t => Weighted(Ops.MatMul(t, b), dY), a, into => Adjoint.MatMulLeft(dY, b, into));
        CheckAccumulated(t => Weighted(Ops.MatMul(a, t), dY), b, into => Adjoint.MatMulRight(a, dY, into));
    }

    [Fact]
    public void MatMul_adjoints_match_naive_products_on_large_matrices()
    {
        // Large enough for the parallel and cache-blocked paths; compared with explicit dY·Bᵀ and Aᵀ·dY.
        const int m = 96, k = 150, n = 70;
        var rng = new Random(10);
        var a = Random(rng, new[] { m, k });
        var b = Random(rng, new[] { k, n });
        var dY = Random(rng, new[] { m, n });
        var intoA = Filled(new[] { m, k }, 1);
        var intoB = Filled(new[] { k, n }, 1);
        Adjoint.MatMulLeft(dY, b, intoA);
        Adjoint.MatMulRight(a, dY, intoB);
        double[] expectedA = NaiveMatMul(Flat(dY), Flat(Ops.Transpose(b)), m, n, k);
        double[] expectedB = NaiveMatMul(Flat(Ops.Transpose(a)), Flat(dY), k, m, n);
        for (int i = 0; i < expectedA.Length; i++) expectedA[i] += 1;
        for (int i = 0; i < expectedB.Length; i++) expectedB[i] += 1;
        AssertClose(expectedA, Flat(intoA), 1e-12);
        AssertClose(expectedB, Flat(intoB), 1e-12);
    }

    [Fact]
    public void Transpose_adjoint()
    {
        var rng = new Random(11);
        var x = Random(rng, new[] { 3, 5 });
        var dY = Random(rng, new[] { 5, 3 });
        CheckAccumulated(t => Weighted(Ops.Transpose(t), dY), x, into => Adjoint.Transpose(dY, into));
    }

    [Fact]
    public void Relu_adjoint()
    {
        var rng = new Random(12);
        var x = AwayFromZero(rng, new[] { 3, 4 });
        var dY = Random(rng, new[] { 3, 4 });
        CheckAccumulated(t => Weighted(Ops.Relu(t), dY), x, into => Adjoint.Relu(dY, x, into));
    }

    [Fact]
    public void Sigmoid_Tanh_Exp_adjoints_use_the_forward_result()
    {
        var rng = new Random(13);
        var x = Random(rng, new[] { 2, 3, 2 }, -2, 2);
        var dY = Random(rng, new[] { 2, 3, 2 });
        CheckAccumulated(t => Weighted(Ops.Sigmoid(t), dY), x, into => Adjoint.Sigmoid(dY, Ops.Sigmoid(x), into));
        CheckAccumulated(t => Weighted(Ops.Tanh(t), dY), x, into => Adjoint.Tanh(dY, Ops.Tanh(x), into));
        CheckAccumulated(t => Weighted(Ops.Exp(t), dY), x, into => Adjoint.Exp(dY, Ops.Exp(x), into));
    }

    [Fact]
    public void Log_Sqrt_Square_adjoints()
    {
        var rng = new Random(14);
        var x = Random(rng, new[] { 4, 3 }, 0.5, 3);
        var dY = Random(rng, new[] { 4, 3 });
        CheckAccumulated(t => Weighted(Ops.Log(t), dY), x, into => Adjoint.Log(dY, x, into));
        CheckAccumulated(t => Weighted(Ops.Sqrt(t), dY), x, into => Adjoint.Sqrt(dY, Ops.Sqrt(x), into));
        var signed = Random(rng, new[] { 4, 3 });
        CheckAccumulated(t => Weighted(Ops.Square(t), dY), signed, into => Adjoint.Square(dY, signed, into));
    }

    [Fact]
    public void Elementwise_adjoints_handle_tensors_longer_than_one_block()
    {
        // 5000 elements: more than the 4096-element scratch block.
        var rng = new Random(15);
        var y = Random(rng, new[] { 5000 }, -0.9, 0.9);
        var dY = Random(rng, new[] { 5000 });
        var into = Filled(new[] { 5000 }, 1);
        Adjoint.Tanh(dY, y, into);
        double[] ys = Flat(y), gs = Flat(dY), expected = new double[5000];
        for (int i = 0; i < 5000; i++) expected[i] = 1 + gs[i] * (1 - ys[i] * ys[i]);
        AssertClose(expected, Flat(into), 1e-14);
    }

    [Fact]
    public void Fill_and_Mean_are_the_gradients_of_Sum_and_Mean()
    {
        var rng = new Random(16);
        var x = Random(rng, new[] { 2, 3, 2 });
        const double dS = 1.7;
        CheckAccumulated(t => dS * Ops.Sum(t), x, into => Adjoint.Fill(dS, into));
        CheckAccumulated(t => dS * Ops.Mean(t), x, into => Adjoint.Mean(dS, into));
    }

    [Theory]
    [InlineData(new[] { 4 })]
    [InlineData(new[] { 3, 4 })]
    [InlineData(new[] { 2, 3, 4 })]
    public void Softmax_adjoint(int[] shape)
    {
        var rng = new Random(17);
        var x = Random(rng, shape, -2, 2);
        var dY = Random(rng, shape);
        CheckAccumulated(t => Weighted(Ops.Softmax(t), dY), x, into => Adjoint.Softmax(dY, Ops.Softmax(x), into));
    }

    [Fact]
    public void SoftmaxCrossEntropy_adjoint()
    {
        var rng = new Random(18);
        var z = Random(rng, new[] { 4, 5 }, -2, 2);
        int[] targets = { 3, 0, 4, 3 };
        const double dL = 0.8;
        CheckAccumulated(t => dL * Ops.SoftmaxCrossEntropy(t, targets), z, into => Adjoint.SoftmaxCrossEntropy(dL, z, targets, into));
    }

    [Fact]
    public void Broadcast_reduction_matches_naive_sum_on_random_shapes()
    {
        var rng = new Random(19);
        for (int trial = 0; trial < 200; trial++)
        {
            (int[] sa, int[] sb) = OpsTests.RandomBroadcastPair(rng);
            int[] full = BroadcastShape(sa, sb)!;
            var dY = Random(rng, full);
            var other = Random(rng, sb);
            var into = Filled(sa, 1);
            Adjoint.Multiply(dY, other, into);
            double[] expected = NaiveReduce(FromArray(NaiveBinary((g, o) => g * o, dY, other, out _), full), sa);
            for (int i = 0; i < expected.Length; i++) expected[i] += 1;
            AssertClose(expected, Flat(into), 1e-13);

            var intoScaled = Filled(sa, 1);
            Adjoint.Scaled(dY, 2.5, intoScaled);
            double[] reduced = NaiveReduce(dY, sa);
            for (int i = 0; i < reduced.Length; i++) reduced[i] = 1 + 2.5 * reduced[i];
            AssertClose(reduced, Flat(intoScaled), 1e-13);
        }
    }

    [Fact]
    public void Kernels_work_for_float()
    {
        var x = Tensor.Create(new float[] { 0.5f, -1f, 2f, 0.25f }, new nint[] { 2, 2 });
        var dY = Tensor.Create(new float[] { 1f, 2f, 3f, 4f }, new nint[] { 2, 2 });
        var into = Tensor.Create(new float[4], new nint[] { 2, 2 });
        Adjoint.Relu(dY, x, into);
        Assert.Equal(new float[] { 1f, 0f, 3f, 4f }, Flat(into));
        var bias = Tensor.Create(new float[2], new nint[] { 2 });
        Adjoint.Identity(dY, bias);
        Assert.Equal(new float[] { 4f, 6f }, Flat(bias));
    }
}
