using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace GradGen.Samples.CharRnn;

/// <summary>
/// Adagrad as in min-char-rnn: every gradient is clipped to [−clip, clip] (against exploding gradients), then
/// m ← m + g², p ← p − lr · g / √(m + 1e-8), element-wise, in place.
/// </summary>
public sealed class Adagrad
{
    private readonly Tensor<float>[] _parameters;
    private readonly float[][] _memory;
    private readonly float _learningRate;
    private readonly float _clip;

    /// <summary>Creates the optimizer for dense <paramref name="parameters"/> (e.g. <c>Parameters.Tensors(model)</c>).</summary>
    public Adagrad(IReadOnlyList<Tensor<float>> parameters, float learningRate, float clip = 5f)
    {
        _parameters = [.. parameters];
        _memory = Array.ConvertAll(_parameters, p => new float[p.FlattenedLength]);
        _learningRate = learningRate;
        _clip = clip;
    }

    /// <summary>One update with <paramref name="gradients"/>, in the order of the parameters and of their shapes.</summary>
    public void Step(IReadOnlyList<Tensor<float>> gradients)
    {
        if (gradients.Count != _parameters.Length) throw new ArgumentException($"Adagrad.Step: {gradients.Count} gradients for {_parameters.Length} parameters.", nameof(gradients));
        for (var k = 0; k < _parameters.Length; k++)
        {
            var p = Ops.AsSpan(_parameters[k]);
            var g = Ops.AsSpan(gradients[k]);
            if (g.Length != p.Length) throw new ArgumentException($"Adagrad.Step: gradient {k} has {g.Length} elements, its parameter {p.Length}.", nameof(gradients));
            var m = _memory[k];
            for (var i = 0; i < p.Length; i++)
            {
                var gi = Math.Clamp(g[i], -_clip, _clip);
                m[i] += gi * gi;
                p[i] -= _learningRate * gi / MathF.Sqrt(m[i] + 1e-8f);
            }
        }
    }
}
