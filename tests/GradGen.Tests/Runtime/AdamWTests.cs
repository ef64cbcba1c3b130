using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>AdamW against a hand-computed first step and an independent scalar implementation over several steps.</summary>
public class AdamWTests
{
    [Fact]
    public void First_step_matches_the_hand_computed_update()
    {
        // Step 1: m = 0.1 g, v = 0.001 g², so m̂ = g and v̂ = g²; m̂ / (√v̂ + ε) = g / (|g| + ε).
        // p = 1:  1 − 0.1 · (0.5 / (0.5 + 1e-8) + 0.01 · 1)     = 1 − 0.1 · (0.99999998 + 0.01)   = 0.899000002
        // p = −2: −2 − 0.1 · (−0.1 / (0.1 + 1e-8) + 0.01 · (−2)) = −2 − 0.1 · (−0.9999999 − 0.02) = −1.89800001
        var p = FromArray(new[] { 1.0, -2.0 }, 2);
        var optimizer = new AdamW<double>(new[] { p }, learningRate: 0.1, weightDecay: 0.01);
        optimizer.Step(new[] { FromArray(new[] { 0.5, -0.1 }, 2) });
        Assert.Equal(0.899000002, p[0], 12);
        Assert.Equal(-1.89800001, p[1], 12);
        Assert.Equal(1, optimizer.Steps);
    }

    [Fact]
    public void Several_steps_over_several_tensors_match_a_scalar_reference()
    {
        var rng = new Random(70);
        int[][] shapes = { new[] { 3, 4 }, new[] { 5 }, new[] { 2, 2, 3 } };
        var parameters = shapes.Select(s => Random(rng, s)).ToArray();
        var expected = parameters.Select(Flat).ToArray();
        var m = expected.Select(e => new double[e.Length]).ToArray();
        var v = expected.Select(e => new double[e.Length]).ToArray();
        const double lr = 0.01, b1 = 0.8, b2 = 0.95, eps = 1e-6, wd = 0.1;
        var optimizer = new AdamW<double>(parameters, lr, b1, b2, eps, wd);
        for (int t = 1; t <= 4; t++)
        {
            var gradients = shapes.Select(s => Random(rng, s)).ToArray();
            optimizer.Step(gradients);
            for (int k = 0; k < shapes.Length; k++)
            {
                double[] g = Flat(gradients[k]);
                for (int i = 0; i < g.Length; i++)
                {
                    m[k][i] = b1 * m[k][i] + (1 - b1) * g[i];
                    v[k][i] = b2 * v[k][i] + (1 - b2) * g[i] * g[i];
                    double mHat = m[k][i] / (1 - Math.Pow(b1, t)), vHat = v[k][i] / (1 - Math.Pow(b2, t));
                    expected[k][i] -= lr * (mHat / (Math.Sqrt(vHat) + eps) + wd * expected[k][i]);
                }
                AssertClose(expected[k], Flat(parameters[k]), 1e-13);
            }
        }
    }

    [Fact]
    public void Float_parameters_and_a_learning_rate_schedule()
    {
        var p = Tensor.Create(new[] { 1f, 2f }, new nint[] { 2 });
        var optimizer = new AdamW<float>(new[] { p }, learningRate: 0.1, weightDecay: 0);
        optimizer.Step(new[] { Tensor.Create(new[] { 1f, -1f }, new nint[] { 2 }) });
        Assert.Equal(0.9f, p[0], 5);  // first step moves each element by lr · sign(g)
        Assert.Equal(2.1f, p[1], 5);
        optimizer.LearningRate = 0;
        optimizer.Step(new[] { Tensor.Create(new[] { 1f, -1f }, new nint[] { 2 }) });
        Assert.Equal(0.9f, p[0], 5);
    }

    [Fact]
    public void Mismatched_gradients_and_bad_parameters_are_rejected()
    {
        var p = Filled(new[] { 2, 3 }, 1);
        var optimizer = new AdamW<double>(new[] { p });
        var error = Assert.Throws<ArgumentException>(() => optimizer.Step(new[] { Filled(new[] { 3, 2 }, 0) }));
        Assert.Contains("AdamW.Step: parameter 0 [2, 3] and gradient 0 [3, 2] must have the same shape.", error.Message);
        Assert.Throws<ArgumentException>(() => optimizer.Step(Array.Empty<Tensor<double>>()));
        Assert.Equal(0, optimizer.Steps);
        Assert.Equal(Flat(Filled(new[] { 2, 3 }, 1)), Flat(p));
        Assert.Throws<ArgumentException>(() => new AdamW<double>(new[] { p, p }));
        Assert.Throws<ArgumentException>(() => new AdamW<double>(new[] { Tensor.Transpose(p) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW<double>(new[] { p }, beta1: 1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Steps_equal_the_block_wise_passes_it_replaced_bit_for_bit(bool strided)
    {
        // Sizes: tails shorter than a vector, a block boundary (4096), and enough in all (> 2¹⁵) for the update to run on
        // every core when asked; one gradient may be a transposed view.
        int[][] shapes = { new[] { 3 }, new[] { 17, 5 }, new[] { 4097 }, new[] { 300, 257 }, new[] { 64, 33 } };
        StepsAgree<float>(shapes, strided, 71);
        StepsAgree<double>(shapes, strided, 72);
    }

    private static void StepsAgree<T>(int[][] shapes, bool strided, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        T[] Values(int n, double scale) => Enumerable.Range(0, n).Select(_ => T.CreateChecked((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        var parameters = shapes.Select(s => Tensor.Create(Values(Count(s), 1), Lengths(s))).ToArray();
        var expected = parameters.Select(p => p.ToArray()).ToArray();
        var m = expected.Select(e => new T[e.Length]).ToArray();
        var v = expected.Select(e => new T[e.Length]).ToArray();
        const double lr = 3e-3, b1 = 0.85, b2 = 0.99, eps = 1e-7, wd = 0.05;
        var optimizer = new AdamW<T>(parameters, lr, b1, b2, eps, wd);
        var scratch = new T[AdamWReference.Block];
        for (int t = 1; t <= 3; t++)
        {
            var gradients = shapes.Select(s => Tensor.Create(Values(Count(s), t == 2 ? 1e-3 : 2), Lengths(s))).ToArray();
            var given = gradients.ToArray();
            if (strided) given[1] = Tensor.Transpose(Tensor.Create(Tensor.Transpose(gradients[1]).ToArray(), new nint[] { shapes[1][1], shapes[1][0] }));
            Assert.Equal(gradients[1].ToArray(), given[1].ToArray());
            optimizer.Step(given, parallel: t != 2);   // steps 1 and 3 on every core, step 2 on this thread
            for (int k = 0; k < shapes.Length; k++)
            {
                AdamWReference.BlockWiseStep<T>(expected[k], gradients[k].ToArray(), m[k], v[k], scratch, t, lr, b1, b2, eps, wd);
                T[] actual = parameters[k].ToArray();
                for (int i = 0; i < actual.Length; i++)
                {
                    if (!actual[i].Equals(expected[k][i]) || T.IsNegative(actual[i]) != T.IsNegative(expected[k][i])) Assert.Fail($"{typeof(T).Name} step {t}, tensor {k}, element {i}: {actual[i]} but the block-wise passes give {expected[k][i]}");
                }
            }
        }
    }
}
