using System;
using System.Numerics.Tensors;
using GradGen.Tests.Infrastructure;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// Inference — a forward pass called as plain C# — in a <see cref="Workspace"/> scope: the documented one-line way to
/// evaluate or sample without allocating every intermediate (issue 14, item 3). The value equals the plain call's, and
/// once the workspace is warm a call allocates nothing.
/// </summary>
public class InferenceTests
{
    private sealed class Model
    {
        public readonly Tensor<float> X, W1, B1, W2, B2, Ln, LnBias, Scores;
        public readonly int[] Targets;

        public Model(int batch)
        {
            var rng = new Random(batch);
            Tensor<float> F(params int[] shape) => Tensor.Create(Array.ConvertAll(Flat(Random(rng, shape)), v => (float)v), Lengths(shape));
            (X, W1, B1, W2, B2) = (F(batch, 96), F(96, 64), F(64), F(64, 10), F(10));
            (Ln, LnBias, Scores) = (F(64), F(64), F(2, 16, 16));
            Targets = new int[batch];
            for (int i = 0; i < batch; i++) Targets[i] = rng.Next(10);
        }

        /// <summary>An MLP with a LayerNorm and GELU, plus a causal softmax: the kernels TinyGpt's forward uses.</summary>
        public float Forward()
        {
            var h = Ops.Gelu(Ops.LayerNorm(Ops.Add(Ops.MatMul(X, W1), B1), Ln, LnBias, 1e-5f));
            var logits = Ops.Add(Ops.MatMul(h, W2), B2);
            var attention = Ops.CausalSoftmax(Scores, 0.25f);
            return Ops.SoftmaxCrossEntropy(logits, Targets) + Ops.Sum(attention);
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(300)] // intermediates ≥ 85 KB: the large object heap outside a workspace
    public void A_forward_in_a_workspace_scope_equals_the_plain_call_and_allocates_nothing_once_warm(int batch)
    {
        var model = new Model(batch);
        float plain = model.Forward();
        Assert.True(Allocations.Of(() => model.Forward()) > 0, "the plain call allocates its intermediates");

        var inference = new Workspace();
        float scoped = 0;
        Allocations.NoneOnceWarm(() =>
        {
            using (inference.Enter()) scoped = model.Forward();
        });
        Assert.Equal(plain, scoped);
    }
}
