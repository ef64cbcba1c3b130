using System;
using System.Linq;
using System.Numerics.Tensors;

namespace GradGen.Samples.TinyGpt;

/// <summary>
/// Checks the generated <c>LossBackward</c> against central finite differences (<see cref="GradCheck"/>) on a tiny model,
/// every weight tensor in turn, with float's default step and tolerance.
/// </summary>
public static class GradientCheck
{
    /// <summary>The tensor with the largest error, that error, the tolerance and how many weights were checked.</summary>
    public static (string Worst, double MaxError, double Tolerance, int Count) Run(Random random)
    {
        const int B = 2, T = 4, V = 16;
        // Larger weights than GPT-2's init, so every path (attention included) carries a gradient well above float's noise.
        var model = Gpt.Create(random, V, maxT: T, C: 8, NH: 2, L: 1);
        foreach (var (_, tensor) in Parameters.Leaves(model)) Scale((Tensor<float>)tensor, random);
        var tokens = Enumerable.Range(0, B * T).Select(_ => random.Next(V)).ToArray();
        var targets = Enumerable.Range(0, B * T).Select(_ => random.Next(V)).ToArray();

        var gradient = Parameters.ZerosLike(model);
        TinyGpt.LossBackward(model, tokens, targets, B, T, gradient);
        var weights = Parameters.Leaves(model);
        var gradients = Parameters.Leaves(gradient);
        (string Worst, double MaxError, double Tolerance, int Count) result = ("", 0, 0, 0);
        for (var i = 0; i < weights.Count; i++)
        {
            var check = GradCheck.Check(_ => TinyGpt.Loss(model, tokens, targets, B, T), (Tensor<float>)weights[i].Tensor, (Tensor<float>)gradients[i].Tensor);
            check.ThrowIfFailed();
            if (check.MaxError >= result.MaxError) result = (weights[i].Path, check.MaxError, check.Tolerance, result.Count);
            result.Count += check.Count;
        }
        return result;
    }

    private static void Scale(Tensor<float> tensor, Random random)
    {
        var values = Ops.AsSpan(tensor);
        for (var i = 0; i < values.Length; i++) values[i] += (float)(0.3 * (2 * random.NextDouble() - 1));
    }
}
