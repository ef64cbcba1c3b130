using System;
using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Samples.CharRnn;

/// <summary>
/// The weights of a character-level recurrent network (as in Karpathy's min-char-rnn): vocabulary V, hidden size H.
/// A weight object: GradGen differentiates <see cref="Loss"/> with respect to all of it, and the gradient is a
/// <see cref="CharRnn"/> of the same shapes.
/// </summary>
public sealed class CharRnn
{
    /// <summary>Creates the model from its tensors.</summary>
    public CharRnn(Tensor<float> wxh, Tensor<float> whh, Tensor<float> why, Tensor<float> bh, Tensor<float> by)
    {
        Wxh = wxh;
        Whh = whh;
        Why = why;
        Bh = bh;
        By = by;
    }

    /// <summary>Input to hidden [V, H]: row c is x·Wxh for the one-hot x of character c, so it is read by <see cref="Ops.Embedding{T}"/>.</summary>
    [Shape("V, H")] public Tensor<float> Wxh { get; }

    /// <summary>Hidden to hidden [H, H].</summary>
    [Shape("H, H")] public Tensor<float> Whh { get; }

    /// <summary>Hidden to output [H, V].</summary>
    [Shape("H, V")] public Tensor<float> Why { get; }

    /// <summary>Hidden bias [H].</summary>
    [Shape("H")] public Tensor<float> Bh { get; }

    /// <summary>Output bias [V].</summary>
    [Shape("V")] public Tensor<float> By { get; }

    /// <summary>A model with small random weights (scale 0.01, as min-char-rnn) and zero biases.</summary>
    public static CharRnn Create(int vocabulary, int hidden, Random random) => new(
        Random(random, 0.01f, vocabulary, hidden),
        Random(random, 0.01f, hidden, hidden),
        Random(random, 0.01f, hidden, vocabulary),
        Tensor.Create(new float[hidden], [hidden]),
        Tensor.Create(new float[vocabulary], [vocabulary]));

    private static Tensor<float> Random(Random random, float scale, int rows, int columns)
    {
        var values = new float[rows * columns];
        for (var i = 0; i < values.Length; i++)
        {
            // Box–Muller
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = scale * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return Tensor.Create(values, [rows, columns]);
    }
}

/// <summary>The network's computation. GradGen generates <c>LossBackward</c> (and <c>StepBackward</c>, which it chains through).</summary>
public static partial class Rnn
{
    /// <summary>One time step: h ← tanh(x·Wxh + h·Whh + bh), with <paramref name="x"/> the rows of Wxh of the input characters.</summary>
    /// <param name="model">The weights.</param>
    /// <param name="h">The hidden state [1, B, H] of B sequences.</param>
    /// <param name="x">The input [1, B, H]: x·Wxh for one-hot x, i.e. <c>Ops.Embedding(model.Wxh, ids, 1, B)</c>.</param>
    /// <returns>The next hidden state [1, B, H].</returns>
    [Differentiable]
    [return: Shape("1, B, H")]
    public static Tensor<float> Step(CharRnn model, [Shape("1, B, H")] Tensor<float> h, [Shape("1, B, H")] Tensor<float> x)
        => Ops.Tanh(x + Ops.MatMul(h, model.Whh) + model.Bh);

    /// <summary>
    /// The loss of predicting every next character of B sequences of T steps: Σₜ mean over the sequences of the
    /// cross-entropy −log softmax(h_t·Why + by)[target], with the hidden state carried from step to step from
    /// <paramref name="h0"/>.
    /// </summary>
    /// <param name="model">The weights.</param>
    /// <param name="h0">The hidden state before the first step [1, B, H].</param>
    /// <param name="inputs">The T·B characters read, by time step: inputs[t·B + b] is character t of sequence b.</param>
    /// <param name="targets">The characters to predict (the next ones), one-hot [T, B, V].</param>
    /// <param name="batch">B, the number of sequences.</param>
    [Differentiable]
    public static float Loss(CharRnn model, [Shape("1, batch, H")] Tensor<float> h0, int[] inputs, [NoGradient, Shape("T, batch, V")] Tensor<float> targets, int batch)
    {
        var steps = inputs.Length / batch;
        var xs = Ops.Embedding(model.Wxh, inputs, steps, batch);            // [T, B, H]
        var h = h0;
        var loss = 0f;
        for (int t = 0; t < steps; t++)
        {
            h = Step(model, h, Ops.Slice(xs, 0, t, 1));                      // [1, B, H]
            var logits = Ops.MatMul(h, model.Why) + model.By;                // [1, B, V]
            var logProbabilities = Ops.LogSoftmax(logits, 2);
            loss = loss - Ops.Sum(logProbabilities * Ops.Slice(targets, 0, t, 1)) / batch;
        }
        return loss;
    }

    /// <summary>The scores of the next character [1, B, V] from the hidden state [1, B, H] (not differentiated: for sampling).</summary>
    public static Tensor<float> Logits(CharRnn model, Tensor<float> h) => Ops.MatMul(h, model.Why) + model.By;
}
