using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.InteropServices;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Samples;

/// <summary>
/// The whole TinyGpt loss (samples/GradGen.Samples.TinyGpt, compiled in double through the real generator) against
/// central finite differences at B=2, T=8, C=16, NH=4, V=32, L=2: every gradient tensor (all elements of the small ones,
/// 64 of the larger ones).
/// </summary>
public class TinyGptGradientTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int B = 2, T = 8, C = 16, NH = 4, V = 32, L = 2;

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(TinyGptSource.InDouble(TinyGptSource.Model), TinyGptSource.InDouble(TinyGptSource.Initialisation)));

    /// <summary>
    /// The generated forward, called for inference in a workspace scope (README, "Inference": GradGen's kernel for every
    /// op, the user's <c>+</c> included), computes the plain call's loss bit for bit.
    /// </summary>
    [Fact]
    public void The_generated_forward_in_a_workspace_scope_computes_the_plain_calls_loss_bit_for_bit()
    {
        var assembly = Compiled.Value;
        var tinyGpt = assembly.GetType("GradGen.Samples.TinyGpt.InDouble.TinyGpt")!;
        var random = new Random(12);
        var model = assembly.GetType("GradGen.Samples.TinyGpt.InDouble.Gpt")!.GetMethod("Create")!.Invoke(null, [random, V, T, C, NH, L])!;
        var tokens = Enumerable.Range(0, B * T).Select(_ => random.Next(V)).ToArray();
        var targets = Enumerable.Range(0, B * T).Select(_ => random.Next(V)).ToArray();
        var plain = (double)tinyGpt.GetMethod("Loss")!.Invoke(null, [model, tokens, targets, B, T])!;
        var inference = new Workspace();
        for (int call = 0; call < 2; call++) // the second call runs on the buffers the first left in the workspace
        {
            double generated;
            using (inference.Enter()) generated = (double)tinyGpt.GetMethod("LossForward")!.Invoke(null, [model, tokens, targets, B, T, null])!;
            Assert.Equal(plain, generated);
        }
    }

    [Fact]
    public void Every_gradient_tensor_of_the_whole_model_matches_finite_differences()
    {
        var assembly = Compiled.Value;
        var gpt = assembly.GetType("GradGen.Samples.TinyGpt.InDouble.Gpt")!;
        var tinyGpt = assembly.GetType("GradGen.Samples.TinyGpt.InDouble.TinyGpt")!;
        var random = new Random(11);
        var model = gpt.GetMethod("Create")!.Invoke(null, [random, V, T, C, NH, L])!;
        // GPT-2's init (std 0.02, zero biases, unit LN weights) plus uniform noise, so that every weight, bias and LN
        // parameter carries a gradient far from zero and every path of the block is exercised.
        foreach (var (_, leaf) in Parameters.Leaves(model))
        {
            foreach (ref var w in Span((Tensor<double>)leaf)) w += 0.5 * (2 * random.NextDouble() - 1);
        }
        var tokens = Enumerable.Range(0, B * T).Select(i => i % 3 == 0 ? 5 : random.Next(V)).ToArray();   // id 5 repeats: its rows accumulate
        var targets = Enumerable.Range(0, B * T).Select(_ => random.Next(V)).ToArray();

        var loss = tinyGpt.GetMethod("Loss")!;
        double Objective() => (double)loss.Invoke(null, [model, tokens, targets, B, T])!;

        var gradient = Parameters.ZerosLike(model);
        var backward = tinyGpt.GetMethods().Single(m => m.Name == "LossBackward" && m.GetParameters().Length == 8);
        var value = (double)backward.Invoke(null, [model, tokens, targets, B, T, gradient, 1d, false])!;
        Assert.Equal(Objective(), value, 12);

        var leaves = Parameters.Leaves(model);
        var gradients = Parameters.Leaves(gradient);
        Assert.Equal(4 + 12 * L, leaves.Count);                                                        // Wte, Wpe, LnfW, LnfB + 12 per block
        Assert.Equal(leaves.Select(l => l.Path), gradients.Select(g => g.Path));
        var checkedCount = 0;
        for (var k = 0; k < leaves.Count; k++)
        {
            var weights = Span((Tensor<double>)leaves[k].Tensor);
            var analytic = Span((Tensor<double>)gradients[k].Tensor);
            double worstDifference = 0, largestNumerical = 0;
            foreach (var i in Elements(weights.Length, random))
            {
                var original = weights[i];
                weights[i] = original + 1e-5; var plus = Objective();
                weights[i] = original - 1e-5; var minus = Objective();
                weights[i] = original;
                var numerical = (plus - minus) / 2e-5;
                var difference = Math.Abs(numerical - analytic[i]);
                Assert.True(difference <= 1e-6 * Math.Max(1e-3, Math.Abs(numerical)) + 1e-9,
                    $"{leaves[k].Path}[{i}]: numerical {numerical:R}, generated {analytic[i]:R}");
                worstDifference = Math.Max(worstDifference, difference);
                largestNumerical = Math.Max(largestNumerical, Math.Abs(numerical));
                checkedCount++;
            }
            // Relative error of the whole tensor: the largest difference over the largest gradient element.
            Assert.True(largestNumerical > 1e-4, $"{leaves[k].Path}: its gradient is (almost) zero, the check would prove nothing");
            Assert.True(worstDifference <= 1e-6 * largestNumerical, $"{leaves[k].Path}: relative error {worstDifference / largestNumerical:E2}");
            output.WriteLine($"{leaves[k].Path}: relative error {worstDifference / largestNumerical:E2} (largest gradient element {largestNumerical:E2})");
        }
        Assert.Equal(leaves.Sum(l => Math.Min(MaxElements, (int)((Tensor<double>)l.Tensor).FlattenedLength)), checkedCount);
    }

    /// <summary>
    /// Every element of a tensor of at most <see cref="MaxElements"/>, else that many distinct elements drawn at random
    /// (the first and last always among them): ~1,100 of the 7,232 weights, a few seconds of evaluations after the compile.
    /// </summary>
    private const int MaxElements = 64;

    private static int[] Elements(int length, Random random)
    {
        if (length <= MaxElements) return Enumerable.Range(0, length).ToArray();
        var middle = Enumerable.Range(1, length - 2).OrderBy(_ => random.Next()).Take(MaxElements - 2);
        return middle.Prepend(0).Append(length - 1).Order().ToArray();
    }

    private static Span<double> Span(Tensor<double> tensor) => MemoryMarshal.CreateSpan(ref tensor.AsTensorSpan().GetPinnableReference(), (int)tensor.FlattenedLength);
}
