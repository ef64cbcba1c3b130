using System;
using System.Collections.Generic;
using System.Linq;

namespace GradGen.Samples.TinyGpt;

/// <summary>Generates text with the forward pass: the logits of the last position, softmax at a temperature, one byte drawn at a time.</summary>
public static class Sampler
{
    /// <summary><paramref name="count"/> bytes following <paramref name="prompt"/> (the context is cut to the model's last MaxT bytes).</summary>
    public static byte[] Generate(Gpt model, byte[] prompt, int count, double temperature, Random random)
    {
        var context = prompt.Select(b => (int)b).ToList();
        var generated = new List<byte>();
        var V = model.Vocabulary;
        var last = new double[V];
        // Inference in a workspace scope: the forward's intermediates (and its result) come from buffers reused call after
        // call instead of fresh arrays (megabytes per call, on the large object heap); read the result inside the scope.
        // The generated LogitsForward computes what Logits computes, bit for bit, with GradGen's kernel for every op (the
        // `+` of the model's code included, which as written is System.Numerics.Tensors' own and most of the time).
        var inference = new Workspace();
        for (var n = 0; n < count; n++)
        {
            var window = context.Skip(Math.Max(0, context.Count - model.MaxT)).ToArray();
            var T = window.Length;
            using (inference.Enter())
            {
                var logits = TinyGpt.LogitsForward(model, window, 1, T, out _);        // [1, T, V]; the tape is not needed
                for (var v = 0; v < V; v++) last[v] = logits[0, T - 1, v] / temperature;
            }
            var max = last.Max();
            var weights = last.Select(l => Math.Exp(l - max)).ToArray();
            var u = random.NextDouble() * weights.Sum();
            var next = 0;
            for (; next < V - 1 && (u -= weights[next]) > 0; next++) { }
            context.Add(next);
            generated.Add((byte)next);
        }
        return generated.ToArray();
    }
}
