using System;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// The CharRnn sample's model and loss (samples/GradGen.Samples.CharRnn/CharRnn.cs), compiled in double through the
/// real generator: its gradient with respect to every weight and to the initial hidden state against central finite
/// differences, for several sequence lengths including none, in both public forms.
/// </summary>
public class CharRnnGradientTests
{
    private const int Vocabulary = 5, Hidden = 4, Batch = 2;

    private static string RepositoryRoot([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));

    /// <summary>The sample's source with float replaced by double (types, literals and casts).</summary>
    internal static string DoubleSource()
    {
        var source = File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "GradGen.Samples.CharRnn", "CharRnn.cs"));
        source = Regex.Replace(source, @"\bfloat\b", "double");
        return Regex.Replace(source, @"\b(\d+(?:\.\d+)?)f\b", "${1}d");
    }

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(DoubleSource()));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Loss_gradient_matches_finite_differences(int steps)
    {
        var assembly = Compiled.Value;
        var modelType = assembly.GetType("GradGen.Samples.CharRnn.CharRnn")!;
        var rnn = assembly.GetType("GradGen.Samples.CharRnn.Rnn")!;
        var random = new Random(11 + steps);
        // Weights of order one, so that tanh is used away from its linear part and the recurrence matters.
        var model = Activator.CreateInstance(modelType,
            Make(random, Vocabulary, Hidden), Make(random, Hidden, Hidden), Make(random, Hidden, Vocabulary), Make(random, Hidden), Make(random, Vocabulary))!;
        var h0 = Make(random, 1, Batch, Hidden);
        var inputs = Enumerable.Range(0, steps * Batch).Select(_ => random.Next(Vocabulary)).ToArray();
        var oneHot = new double[steps * Batch * Vocabulary];
        for (var row = 0; row < steps * Batch; row++) oneHot[row * Vocabulary + random.Next(Vocabulary)] = 1;
        var targets = Tensor.Create(oneHot, [steps, Batch, Vocabulary]);

        var loss = rnn.GetMethod("Loss")!;
        double Objective() => (double)loss.Invoke(null, [model, h0, inputs, targets, Batch])!;
        var tuple = (ITuple)rnn.GetMethods().Single(m => m.Name == "LossBackward" && m.ReturnType.IsAssignableTo(typeof(ITuple)))
            .Invoke(null, [model, h0, inputs, targets, Batch, 1d])!;
        Assert.Equal(Objective(), (double)tuple[0]!, 12);
        if (steps == 0) Assert.Equal(0d, (double)tuple[0]!);
        else Assert.True((double)tuple[0]! > 0);

        // The accumulating form adds into buffers that already hold the tuple form's gradient: twice it.
        var accumulated = Parameters.ZerosLike(model);
        var dH0Twice = Tensor.Create(new double[Batch * Hidden], [1, Batch, Hidden]);
        var accumulate = rnn.GetMethods().Single(m => m.Name == "LossBackward" && !m.ReturnType.IsAssignableTo(typeof(ITuple)));
        accumulate.Invoke(null, [model, h0, inputs, targets, Batch, accumulated, dH0Twice, 1d, false]);
        accumulate.Invoke(null, [model, h0, inputs, targets, Batch, accumulated, dH0Twice, 1d, false]);

        var points = Parameters.Leaves(model).Select(l => (l.Path, Tensor: (Tensor<double>)l.Tensor)).Append((Path: "h0", Tensor: h0)).ToArray();
        var gradients = Parameters.DoubleTensors(tuple[1]!).Append((Tensor<double>)tuple[2]!).ToArray();
        var twice = Parameters.DoubleTensors(accumulated).Append(dH0Twice).ToArray();
        Assert.Equal(6, points.Length);
        for (var k = 0; k < points.Length; k++)
        {
            var span = MemoryMarshal.CreateSpan(ref points[k].Tensor.AsTensorSpan().GetPinnableReference(), (int)points[k].Tensor.FlattenedLength);
            var analytic = GradientChecker.Values(gradients[k]);
            var doubled = GradientChecker.Values(twice[k]);
            Assert.Equal(span.Length, analytic.Length);
            for (var i = 0; i < span.Length; i++)
            {
                var original = span[i];
                span[i] = original + 1e-6; var plus = Objective();
                span[i] = original - 1e-6; var minus = Objective();
                span[i] = original;
                var numerical = (plus - minus) / 2e-6;
                Assert.True(Math.Abs(numerical - analytic[i]) <= 1e-6 * Math.Max(1, Math.Abs(numerical)), $"{steps} steps, {points[k].Path}[{i}]: numerical {numerical:R}, generated {analytic[i]:R}");
                Assert.True(Math.Abs(2 * analytic[i] - doubled[i]) <= 1e-12 * Math.Max(1, Math.Abs(doubled[i])), $"{steps} steps, {points[k].Path}[{i}]: accumulated twice {doubled[i]:R}, expected {2 * analytic[i]:R}");
                if (steps == 0 && points[k].Path != "h0") Assert.Equal(0d, analytic[i]);
            }
        }
    }

    private static Tensor<double> Make(Random random, params int[] shape) =>
        Tensor.Create(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => random.NextDouble() * 2 - 1).ToArray(), shape.Select(s => (nint)s).ToArray());
}
