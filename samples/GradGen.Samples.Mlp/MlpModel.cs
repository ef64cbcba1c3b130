using System;
using System.Linq;
using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Samples.Mlp;

/// <summary>One fully connected layer: y = x·W + B, with W [in, out] and B [out].</summary>
/// <param name="W">The weights [in, out].</param>
/// <param name="B">The bias [out].</param>
public sealed record Dense(Tensor<float> W, Tensor<float> B)
{
    /// <summary>A layer with He-initialised weights (normal, variance 2 / in) and a zero bias.</summary>
    public static Dense Create(Random random, int inputs, int outputs)
    {
        var values = new float[inputs * outputs];
        for (var i = 0; i < values.Length; i++)
        {
            // Box–Muller
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = (float)(Math.Sqrt(2.0 / inputs) * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return new Dense(Tensor.Create(values, [inputs, outputs]), Tensor.Create(new float[outputs], [outputs]));
    }
}

/// <summary>
/// A perceptron with its weights in one object, as a PyTorch module holds them: any number of hidden ReLU layers and a
/// linear output layer. GradGen differentiates its method <see cref="Loss"/> with respect to the whole model (<c>this</c>);
/// the gradient is an <see cref="MlpModel"/> of the same shapes.
/// </summary>
/// <param name="Hidden">The hidden layers, applied in order, each followed by a ReLU.</param>
/// <param name="Output">The output layer (class scores).</param>
public sealed partial record MlpModel(Dense[] Hidden, Dense Output)
{
    /// <summary>A model with the given layer widths, e.g. (2, 64, 64, 3): input, hidden layers, classes.</summary>
    public static MlpModel Create(Random random, params int[] widths) => new(
        Enumerable.Range(0, widths.Length - 2).Select(i => Dense.Create(random, widths[i], widths[i + 1])).ToArray(),
        Dense.Create(random, widths[^2], widths[^1]));

    /// <summary>The mean softmax-cross-entropy of the model's class scores for the rows of <paramref name="x"/>.</summary>
    [Differentiable]
    public float Loss([NoGradient] Tensor<float> x, int[] targets)
    {
        var h = x;
        foreach (var layer in Hidden)
        {
            h = Ops.Relu(Ops.MatMul(h, layer.W) + layer.B);
        }
        var logits = Ops.MatMul(h, Output.W) + Output.B;
        return Ops.SoftmaxCrossEntropy(logits, targets);
    }

    /// <summary>The predicted class of every row of <paramref name="x"/>.</summary>
    public int[] Predict(Tensor<float> x)
    {
        var h = x;
        foreach (var layer in Hidden) h = Ops.Relu(Ops.MatMul(h, layer.W) + layer.B);
        var logits = Ops.MatMul(h, Output.W) + Output.B;
        var predictions = new int[logits.Lengths[0]];
        for (var i = 0; i < predictions.Length; i++)
        {
            var best = 0;
            for (var c = 1; c < logits.Lengths[1]; c++)
            {
                if (logits[i, c] > logits[i, best]) best = c;
            }
            predictions[i] = best;
        }
        return predictions;
    }
}
