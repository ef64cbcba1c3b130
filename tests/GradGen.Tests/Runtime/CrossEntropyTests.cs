using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>Softmax cross-entropy over [..., V] logits (a language model's [B, T, V]): the mean over all positions.</summary>
public class CrossEntropyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(new[] { 2, 4, 7 })]     // [B, T, V]
    [InlineData(new[] { 2, 2, 3, 5 })]
    [InlineData(new[] { 6, 7 })]        // the 2-D form, unchanged
    public void Loss_is_the_mean_over_every_position_and_its_gradient(int[] shape)
    {
        var rng = new Random(90);
        var logits = Random(rng, shape, -3, 3);
        int v = shape[^1], rows = Count(shape) / v;
        int[] targets = Enumerable.Range(0, rows).Select(_ => rng.Next(v)).ToArray();
        double[] z = Flat(logits);
        double expected = Enumerable.Range(0, rows).Select(i =>
        {
            var row = z.Skip(i * v).Take(v).ToArray();
            return Math.Log(row.Sum(Math.Exp)) - row[targets[i]];
        }).Average();
        Assert.Equal(expected, Ops.SoftmaxCrossEntropy(logits, targets), 12);
        // The same as the 2-D loss over the flattened rows.
        Assert.Equal(Ops.SoftmaxCrossEntropy(Ops.Reshape(logits, rows, v), targets), Ops.SoftmaxCrossEntropy(logits, targets));
        const double dL = 0.7;
        double error = Vjp.CheckScalar(t => dL * Ops.SoftmaxCrossEntropy(t, targets), logits,
            into => Adjoint.SoftmaxCrossEntropy(dL, logits, targets, into));
        output.WriteLine($"SoftmaxCrossEntropy {string.Join('x', shape)}: max error {error:E2}");
    }

    [Fact]
    public void Float_logits_of_rank_three()
    {
        var logits = Tensor.Create(Enumerable.Range(0, 24).Select(i => (float)Math.Sin(i)).ToArray(), new nint[] { 2, 3, 4 });
        var d = Tensor.Create(Flat(logits).Select(x => (double)x).ToArray(), logits.Lengths);
        int[] targets = { 0, 1, 2, 3, 0, 1 };
        Assert.Equal(Ops.SoftmaxCrossEntropy(d, targets), Ops.SoftmaxCrossEntropy(logits, targets), 6);
    }

    [Fact]
    public void Targets_must_cover_every_position()
    {
        var logits = Filled(new[] { 2, 3, 4 }, 0);
        var error = Assert.Throws<ArgumentException>(() => Ops.SoftmaxCrossEntropy(logits, new[] { 0, 1, 2 }));
        Assert.Contains("SoftmaxCrossEntropy: targets has length 3 but logits [2, 3, 4] has 6 rows.", error.Message);
        error = Assert.Throws<ArgumentException>(() => Adjoint.SoftmaxCrossEntropy(1.0, logits, new[] { 0, 1, 2, 3, 4, 0 }, Filled(new[] { 2, 3, 4 }, 0)));
        Assert.Contains("Adjoint.SoftmaxCrossEntropy: target 4 at row 4 is out of range [0, 4).", error.Message);
        Assert.Throws<ArgumentException>(() => Adjoint.SoftmaxCrossEntropy(1.0, logits, new int[6], Filled(new[] { 6, 4 }, 0)));
    }
}
