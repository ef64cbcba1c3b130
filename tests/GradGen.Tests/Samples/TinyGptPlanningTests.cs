using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Samples;

/// <summary>
/// The whole TinyGpt step planned and with <c>[Differentiable(Plan = false)]</c> (samples/GradGen.Samples.TinyGpt in float,
/// both compiled through the real generator): the same loss and gradients bit for bit, and the memory the step's workspace
/// holds (intermediates, tape and gradient buffers) — deterministic, so the reduction planning promises is asserted here;
/// docs/performance.md quotes the numbers this prints.
/// </summary>
public class TinyGptPlanningTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int B = 4, T = 64, C = 64, NH = 4, V = 256, L = 4;

    private static string Unplanned(string source) => source
        .Replace("[Differentiable]", "[Differentiable(Plan = false)]", StringComparison.Ordinal)
        .Replace("namespace GradGen.Samples.TinyGpt;", "namespace GradGen.Samples.TinyGpt.Unplanned;", StringComparison.Ordinal);

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(
        TinyGptSource.Model, TinyGptSource.Initialisation, Unplanned(TinyGptSource.Model), Unplanned(TinyGptSource.Initialisation)));

    /// <summary>One step (forward and pullback) in a workspace scope of our own, warm: the loss, the gradients, the workspace's bytes.</summary>
    private static (float Loss, float[][] Gradients, long Bytes, int Buffers) Step(string ns)
    {
        var assembly = Compiled.Value;
        var gpt = assembly.GetType(ns + ".Gpt")!;
        var tinyGpt = assembly.GetType(ns + ".TinyGpt")!;
        var random = new Random(5);
        var model = gpt.GetMethod("Create")!.Invoke(null, [random, V, T, C, NH, L])!;
        var tokens = Enumerable.Range(0, B * T).Select(_ => random.Next(V)).ToArray();
        var targets = Enumerable.Range(0, B * T).Select(_ => random.Next(V)).ToArray();
        var forward = tinyGpt.GetMethod("LossForward")!;
        var pullback = tinyGpt.GetMethod("LossPullback")!;
        var workspace = new Workspace();
        float loss = 0;
        object gradient = null!;
        for (var step = 0; step < 2; step++)
        {
            gradient = Parameters.ZerosLike(model);
            using var scope = workspace.Enter();
            var args = new object?[] { model, tokens, targets, B, T, null };
            loss = (float)forward.Invoke(null, args)!;
            pullback.Invoke(null, [args[5], 1f, gradient, false]);
        }
        var gradients = Parameters.Leaves(gradient).Select(l => GradientChecker.Values(l.Tensor).Select(v => (float)v).ToArray()).ToArray();
        return (loss, gradients, workspace.Bytes, workspace.Count);
    }

    [Fact]
    public void Planning_keeps_every_gradient_and_cuts_the_step_memory()
    {
        var planned = Step("GradGen.Samples.TinyGpt");
        var unplanned = Step("GradGen.Samples.TinyGpt.Unplanned");
        Assert.Equal(unplanned.Loss, planned.Loss);
        Assert.Equal(unplanned.Gradients.Length, planned.Gradients.Length);
        for (var k = 0; k < planned.Gradients.Length; k++) Assert.True(unplanned.Gradients[k].SequenceEqual(planned.Gradients[k]), $"gradient leaf {k} differs");
        output.WriteLine($"TinyGpt step B={B} T={T} C={C} NH={NH} V={V} L={L}, float: workspace {unplanned.Bytes:N0} B in {unplanned.Buffers} buffers unplanned, " +
                         $"{planned.Bytes:N0} B in {planned.Buffers} planned ({100.0 * (unplanned.Bytes - planned.Bytes) / unplanned.Bytes:F1} % less)");
        Assert.True(planned.Bytes < unplanned.Bytes, $"planned {planned.Bytes} B, unplanned {unplanned.Bytes} B");
    }
}
