using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// Weight objects (classes and records of tensors, arrays of layers, nested models) through the real generator: the
/// gradient object of each case against central finite differences in double over every leaf of the model, in both
/// public forms. Each case declares <c>F(model, x)</c> and <c>Args()</c>, which builds its arguments.
/// </summary>
public class WeightObjectGradientTests
{
    private const string Types = """
        public sealed class Layer
        {
            public Layer(Tensor<double> w, Tensor<double> b) { W = w; B = b; }
            public Tensor<double> W { get; }
            public Tensor<double> B { get; }
            public static Layer Random(Random r, int n, int m) => new(Data.Make(r, n, m), Data.Make(r, m));
        }

        public sealed record Block(Layer Attention, Layer Mlp, int Heads);

        public sealed class Model
        {
            public readonly Block[] Blocks;
            public readonly Tensor<double> Embedding;
            public Model(Block[] blocks, Tensor<double> embedding) { Blocks = blocks; Embedding = embedding; }
        }

        public sealed partial class ListNet
        {
            public ListNet(System.Collections.Generic.List<Layer> layers, System.Collections.Generic.List<Tensor<double>> gates) { Layers = layers; Gates = gates; }
            public System.Collections.Generic.IReadOnlyList<Layer> Layers { get; }
            public readonly System.Collections.Generic.List<Tensor<double>> Gates;

            [Differentiable]
            public double Loss([NoGradient] Tensor<double> x)
            {
                var h = x;
                for (int i = 0; i < Layers.Count; i++) h = h + Ops.Tanh(Ops.MatMul(h, Layers[i].W) + Layers[i].B) * Gates[i];
                return Ops.Mean(h * h);
            }
        }

        public static class Data
        {
            public static Tensor<double> Make(Random r, params int[] shape) =>
                Tensor.Create(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => r.NextDouble() * 2 - 1).ToArray(), shape.Select(s => (nint)s).ToArray());
            public static Model Model(Random r) => new(new[] { new Block(Layer.Random(r, 3, 3), Layer.Random(r, 3, 3), 2), new Block(Layer.Random(r, 3, 3), Layer.Random(r, 3, 3), 1) }, Make(r, 3, 3));
        }
        """;

    public sealed record Case(string Name, string Body)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("OneLayer", """
            [Differentiable] public static double F(Layer layer, [NoGradient] Tensor<double> x) => Ops.Sum(Ops.Tanh(Ops.MatMul(x, layer.W) + layer.B));
            public static object[] Args(Random r) => new object[] { Layer.Random(r, 3, 3), Data.Make(r, 2, 3) };
            """),
        new("ArrayOfLayers", """
            [Differentiable] public static double F(Layer[] layers, [NoGradient] Tensor<double> x)
            {
                var h = x;
                foreach (var layer in layers) { h = h + Ops.Tanh(Ops.MatMul(h, layer.W) + layer.B); }
                return Ops.Mean(h * h);
            }
            public static object[] Args(Random r) => new object[] { new[] { Layer.Random(r, 3, 3), Layer.Random(r, 3, 3), Layer.Random(r, 3, 3) }, Data.Make(r, 2, 3) };
            """),
        new("NestedModelWithTiedEmbedding", """
            [Differentiable] public static double F(Model model, [NoGradient] Tensor<double> x)
            {
                var h = Ops.MatMul(x, model.Embedding);
                for (int i = 0; i < model.Blocks.Length; i++)
                {
                    var block = model.Blocks[i];
                    h = h + Ops.Sigmoid(Ops.MatMul(h, block.Attention.W) + block.Attention.B) * block.Heads;
                    h = h + Ops.Tanh(Ops.MatMul(h, block.Mlp.W) + block.Mlp.B);
                }
                var logits = Ops.MatMul(h, Ops.Transpose(model.Embedding));
                return Ops.Sum(logits * logits) / 10;
            }
            public static object[] Args(Random r) => new object[] { Data.Model(r), Data.Make(r, 2, 3) };
            """),
        new("ListOfLayers", """
            [Differentiable] public static double F(System.Collections.Generic.List<Layer> layers, [NoGradient] Tensor<double> x)
            {
                var h = x;
                foreach (var layer in layers) { h = h + Ops.Tanh(Ops.MatMul(h, layer.W) + layer.B); }
                return Ops.Mean(h * h);
            }
            public static object[] Args(Random r) => new object[] { new System.Collections.Generic.List<Layer> { Layer.Random(r, 3, 3), Layer.Random(r, 3, 3) }, Data.Make(r, 2, 3) };
            """),
        new("ReadOnlyListOfLayersByIndex", """
            [Differentiable] public static double F(System.Collections.Generic.IReadOnlyList<Layer> layers, [NoGradient] Tensor<double> x)
            {
                var h = x;
                for (int i = 0; i < layers.Count; i++) { h = Ops.Sigmoid(Ops.MatMul(h, layers[i].W) + layers[i].B) * h; }
                return Ops.Sum(h) + Ops.Sum(layers[0].B * layers[layers.Count - 1].B);
            }
            public static object[] Args(Random r) => new object[] { new System.Collections.Generic.List<Layer> { Layer.Random(r, 3, 3), Layer.Random(r, 3, 3), Layer.Random(r, 3, 3) }, Data.Make(r, 2, 3) };
            """),
        new("ListOfTensors", """
            [Differentiable] public static double F(System.Collections.Generic.List<Tensor<double>> ws, [NoGradient] Tensor<double> x)
            {
                var h = x;
                foreach (var w in ws) h = Ops.Tanh(Ops.MatMul(h, w));
                return Ops.Sum(h * h) + Ops.Sum(ws[1]);
            }
            public static object[] Args(Random r) => new object[] { new System.Collections.Generic.List<Tensor<double>> { Data.Make(r, 3, 3), Data.Make(r, 3, 3) }, Data.Make(r, 2, 3) };
            """),
        new("ModelWithListMembers", """
            [Differentiable] public static double F(ListNet net, [NoGradient] Tensor<double> x) => net.Loss(x) + Ops.Sum(net.Gates[0] * net.Layers[1].B);
            public static object[] Args(Random r) => new object[] { new ListNet(new System.Collections.Generic.List<Layer> { Layer.Random(r, 3, 3), Layer.Random(r, 3, 3) }, new System.Collections.Generic.List<Tensor<double>> { Data.Make(r, 3), Data.Make(r, 3) }), Data.Make(r, 2, 3) };
            """),
        new("LayerUsedTwice", """
            [Differentiable] public static double F(Layer layer, [NoGradient] Tensor<double> x) => Ops.Sum(Ops.MatMul(Ops.MatMul(x, layer.W), layer.W) + layer.B * layer.B);
            public static object[] Args(Random r) => new object[] { Layer.Random(r, 3, 3), Data.Make(r, 2, 3) };
            """),
    ];

    public static TheoryData<Case> CaseData()
    {
        var data = new TheoryData<Case>();
        foreach (var testCase in Cases) data.Add(testCase);
        return data;
    }

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(
        Cases.Select(c => Harness.Usings + "using System.Linq;\npublic static partial class " + c.Name + "\n{\n" + c.Body + "\n}\n").Append(Harness.Usings + "using System.Linq;\n" + Types).ToArray()));

    [Theory]
    [MemberData(nameof(CaseData))]
    public void Gradient_object_matches_finite_differences(Case testCase)
    {
        var type = Compiled.Value.GetType(testCase.Name)!;
        var forward = type.GetMethod("F")!;
        var args = (object[])type.GetMethod("Args")!.Invoke(null, [new Random(7)])!;
        var model = args[0];
        double Objective() => (double)forward.Invoke(null, args)!;

        var tuple = (ITuple)type.GetMethods().Single(m => m.Name == "FBackward" && m.ReturnType.IsAssignableTo(typeof(ITuple))).Invoke(null, [.. args, 1d])!;
        Assert.Equal(Objective(), (double)tuple[0]!, 12);
        var gradient = tuple[1]!;
        Assert.Same(model.GetType(), gradient.GetType());

        // The accumulating form adds into a gradient object that already holds the tuple form's gradient: twice it.
        var accumulated = Parameters.ZerosLike(model);
        var accumulate = type.GetMethods().Single(m => m.Name == "FBackward" && !m.ReturnType.IsAssignableTo(typeof(ITuple)));
        accumulate.Invoke(null, [.. args, accumulated, 1d, false]);
        accumulate.Invoke(null, [.. args, accumulated, 1d, false]);

        var leaves = Parameters.Leaves(model);
        var gradients = Parameters.Leaves(gradient);
        var sums = Parameters.Leaves(accumulated);
        Assert.Equal(leaves.Select(l => l.Path), gradients.Select(g => g.Path));
        for (var k = 0; k < leaves.Count; k++)
        {
            var tensor = (Tensor<double>)leaves[k].Tensor;
            var analytic = GradientChecker.Values(gradients[k].Tensor);
            var twice = GradientChecker.Values(sums[k].Tensor);
            var span = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref tensor.AsTensorSpan().GetPinnableReference(), (int)tensor.FlattenedLength);
            for (var i = 0; i < span.Length; i++)
            {
                var original = span[i];
                span[i] = original + 1e-6; var plus = Objective();
                span[i] = original - 1e-6; var minus = Objective();
                span[i] = original;
                var numerical = (plus - minus) / 2e-6;
                Assert.True(Math.Abs(numerical - analytic[i]) <= 1e-6 * Math.Max(1, Math.Abs(numerical)), $"{leaves[k].Path}[{i}]: numerical {numerical:R}, generated {analytic[i]:R}");
                Assert.True(Math.Abs(2 * analytic[i] - twice[i]) <= 1e-12 * Math.Max(1, Math.Abs(twice[i])), $"{leaves[k].Path}[{i}]: accumulated twice {twice[i]:R}, expected {2 * analytic[i]:R}");
            }
        }
    }
}
