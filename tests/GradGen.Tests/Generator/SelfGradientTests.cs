using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// Instance <c>[Differentiable]</c> methods of weight types (a model class or record differentiated with respect to
/// <c>this</c>) through the real generator: ∂L/∂this (<c>dSelf</c>) and the gradients of the other differentiable arguments
/// against central finite differences in double, in both public forms. Each case declares a partial model type named after
/// the case with an instance method <c>F</c>, <c>static Make(Random)</c> (the model) and <c>static Args(Random)</c> (F's arguments).
/// </summary>
public class SelfGradientTests
{
    private const string Types = """
        public sealed class Layer
        {
            public Layer(Tensor<double> w, Tensor<double> b) { W = w; B = b; }
            public Tensor<double> W { get; }
            public Tensor<double> B { get; }
            public static Layer Random(Random r, int n, int m) => new(Data.Make(r, n, m), Data.Make(r, m));
        }

        public static class Data
        {
            public static Tensor<double> Make(Random r, params int[] shape) =>
                Tensor.Create(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => r.NextDouble() * 2 - 1).ToArray(), shape.Select(s => (nint)s).ToArray());
        }
        """;

    public sealed record Case(string Name, string Body)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("ArrayOfLayers", """
            public sealed partial class ArrayOfLayers
            {
                public readonly Layer[] Layers;
                public readonly Tensor<double> Head;
                public ArrayOfLayers(Layer[] layers, Tensor<double> head) { Layers = layers; Head = head; }

                [Differentiable]
                public double F([NoGradient] Tensor<double> x)
                {
                    var h = x;
                    for (int i = 0; i < Layers.Length; i++) h = h + Ops.Tanh(Ops.MatMul(h, this.Layers[i].W) + Layers[i].B);
                    var y = Ops.MatMul(h, Head);
                    return Ops.Mean(y * y);
                }

                public static ArrayOfLayers Make(Random r) => new(new[] { Layer.Random(r, 3, 3), Layer.Random(r, 3, 3), Layer.Random(r, 3, 3) }, Data.Make(r, 3, 2));
                public static object[] Args(Random r) => new object[] { Data.Make(r, 2, 3) };
            }
            """),
        new("CallsBetweenInstanceMethods", """
            public sealed partial class CallsBetweenInstanceMethods
            {
                public readonly Layer[] Blocks;
                public readonly Tensor<double> Embedding;
                public readonly int Scale;
                public CallsBetweenInstanceMethods(Layer[] blocks, Tensor<double> embedding, int scale) { Blocks = blocks; Embedding = embedding; Scale = scale; }

                [Differentiable]
                public Tensor<double> Block(Tensor<double> h, int i) => h + Ops.Sigmoid(Ops.MatMul(h, Blocks[i].W) + Blocks[i].B) * Scale;

                [Differentiable]
                public double F(Tensor<double> x)
                {
                    var h = Ops.MatMul(x, Embedding);
                    for (int i = 0; i < Blocks.Length; i++) h = this.Block(h, i);
                    h = Block(h, 0);
                    var logits = Ops.MatMul(h, Ops.Transpose(this.Embedding));
                    return Ops.Sum(logits * logits) / 10;
                }

                public static CallsBetweenInstanceMethods Make(Random r) => new(new[] { Layer.Random(r, 3, 3), Layer.Random(r, 3, 3) }, Data.Make(r, 3, 3), 2);
                public static object[] Args(Random r) => new object[] { Data.Make(r, 2, 3) };
            }
            """),
        new("RecordWithoutParameters", """
            public sealed partial record RecordWithoutParameters(Tensor<double> A, Tensor<double> B)
            {
                [Differentiable]
                public double F() => Ops.Sum(Ops.MatMul(A, B) * Ops.MatMul(A, B)) + Ops.Sum(A * A);

                public static RecordWithoutParameters Make(Random r) => new(Data.Make(r, 2, 3), Data.Make(r, 3, 2));
                public static object[] Args(Random r) => new object[0];
            }
            """),
        new("ModelPassedOn", """
            public sealed partial class ModelPassedOn
            {
                public readonly Layer First;
                public readonly Layer Second;
                public ModelPassedOn(Layer first, Layer second) { First = first; Second = second; }

                [Differentiable]
                public static Tensor<double> Apply(Layer layer, Tensor<double> h) => Ops.Tanh(Ops.MatMul(h, layer.W) + layer.B);

                [Differentiable]
                public static double Score(ModelPassedOn model, Tensor<double> h) => Ops.Sum(Apply(model.Second, h) * h);

                [Differentiable]
                public double F(Tensor<double> x) => Score(this, Apply(First, x)) + Ops.Sum(Apply(this.First, x));

                public static ModelPassedOn Make(Random r) => new(Layer.Random(r, 3, 3), Layer.Random(r, 3, 3));
                public static object[] Args(Random r) => new object[] { Data.Make(r, 2, 3) };
            }
            """),
        new("LayerObjectsWithMethods", """
            public sealed partial class Linear
            {
                public Linear(Tensor<double> w, Tensor<double> b) { W = w; B = b; }
                public Tensor<double> W { get; }
                public Tensor<double> B { get; }

                [Differentiable]
                public Tensor<double> Apply(Tensor<double> x) => Ops.MatMul(x, W) + B;

                public static Linear Random(Random r, int n, int m) => new(Data.Make(r, n, m), Data.Make(r, m));
            }

            public sealed partial class LayerObjectsWithMethods
            {
                public readonly Linear[] Layers;
                public readonly Linear Out;
                public LayerObjectsWithMethods(Linear[] layers, Linear output) { Layers = layers; Out = output; }

                [Differentiable]
                public static double Twice(Linear layer, Tensor<double> h) => Ops.Sum(layer.Apply(h)) * 2;

                [Differentiable]
                public double F([NoGradient] Tensor<double> x)
                {
                    var h = x;
                    foreach (var layer in Layers) h = Ops.Tanh(layer.Apply(h));
                    var y = Out.Apply(h);
                    return Ops.Sum(y * Out.Apply(h)) + Twice(Layers[1], h);
                }

                public static LayerObjectsWithMethods Make(Random r) => new(new[] { Linear.Random(r, 3, 3), Linear.Random(r, 3, 3) }, Linear.Random(r, 3, 2));
                public static object[] Args(Random r) => new object[] { Data.Make(r, 2, 3) };
            }
            """),
    ];

    public static TheoryData<Case> CaseData()
    {
        var data = new TheoryData<Case>();
        foreach (var testCase in Cases) data.Add(testCase);
        return data;
    }

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(
        Cases.Select(c => Harness.Usings + "using System.Linq;\n" + c.Body + "\n").Append(Harness.Usings + "using System.Linq;\n" + Types).ToArray()));

    [Theory]
    [MemberData(nameof(CaseData))]
    public void Self_gradient_matches_finite_differences(Case testCase)
    {
        var type = Compiled.Value.GetType(testCase.Name)!;
        var forward = type.GetMethod("F")!;
        var model = type.GetMethod("Make")!.Invoke(null, [new Random(7)])!;
        var args = (object[])type.GetMethod("Args")!.Invoke(null, [new Random(8)])!;
        double Objective() => (double)forward.Invoke(model, args)!;

        var tuple = (ITuple)type.GetMethods().Single(m => m.Name == "FBackward" && m.ReturnType.IsAssignableTo(typeof(ITuple))).Invoke(model, [.. args, 1d])!;
        Assert.Equal(Objective(), (double)tuple[0]!, 12);
        var dSelf = tuple[1]!;
        Assert.Same(model.GetType(), dSelf.GetType());
        // The other differentiable arguments' gradients follow dSelf, in parameter order.
        var differentiable = forward.GetParameters().Where(p => p.ParameterType == typeof(Tensor<double>) && p.GetCustomAttribute<NoGradientAttribute>() is null).Select(p => p.Position).ToList();
        Assert.Equal(2 + differentiable.Count, tuple.Length);

        // The accumulating form adds into gradients that already hold the tuple form's: twice it.
        var accumulate = type.GetMethods().Single(m => m.Name == "FBackward" && !m.ReturnType.IsAssignableTo(typeof(ITuple)));
        Assert.Equal("dSelf", accumulate.GetParameters()[args.Length].Name);
        var twiceSelf = Parameters.ZerosLike(dSelf);
        var twiceArgs = differentiable.Select(k => (object)Ops.ZerosLike((Tensor<double>)args[k])).ToArray();
        accumulate.Invoke(model, [.. args, twiceSelf, .. twiceArgs, 1d]);
        accumulate.Invoke(model, [.. args, twiceSelf, .. twiceArgs, 1d]);

        var checks = Parameters.Leaves(model).Zip(Parameters.Leaves(dSelf), Parameters.Leaves(twiceSelf))
            .Select(l => ("this." + l.First.Path, (Tensor<double>)l.First.Tensor, l.Second.Tensor, l.Third.Tensor))
            .Concat(differentiable.Select((k, j) => (forward.GetParameters()[k].Name!, (Tensor<double>)args[k], tuple[2 + j]!, twiceArgs[j])));
        foreach (var (path, tensor, gradient, twice) in checks)
        {
            var analytic = GradientChecker.Values(gradient);
            var doubled = GradientChecker.Values(twice);
            var span = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), (int)tensor.FlattenedLength);
            for (var i = 0; i < span.Length; i++)
            {
                var original = span[i];
                span[i] = original + 1e-6; var plus = Objective();
                span[i] = original - 1e-6; var minus = Objective();
                span[i] = original;
                var numerical = (plus - minus) / 2e-6;
                Assert.True(Math.Abs(numerical - analytic[i]) <= 1e-6 * Math.Max(1, Math.Abs(numerical)), $"{path}[{i}]: numerical {numerical:R}, generated {analytic[i]:R}");
                Assert.True(Math.Abs(2 * analytic[i] - doubled[i]) <= 1e-12 * Math.Max(1, Math.Abs(doubled[i])), $"{path}[{i}]: accumulated twice {doubled[i]:R}, expected {2 * analytic[i]:R}");
            }
        }
    }
}
