using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// Instance <c>[Differentiable]</c> methods of weight types (a model class or record differentiated with respect to
/// <c>this</c>) through the real generator: ∂L/∂this (<c>dSelf</c>, its tensors and learned scalar members) and the
/// gradients of the other differentiable arguments against central finite differences in double, in both public forms. Each case declares a partial model type named after
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
                public double Penalty() => Ops.Sum(B * B * B);

                [Differentiable]
                public double F() => Ops.Sum(Ops.MatMul(A, B) * Ops.MatMul(A, B)) + Ops.Sum(A * A) + this.Penalty() * Penalty();

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
        new("ScalarMembers", """
            public sealed partial class ScaledLayer
            {
                public ScaledLayer(Tensor<double> w, double scale) { W = w; Scale = scale; }
                public Tensor<double> W { get; }
                public double Scale { get; set; }
            }

            public sealed partial class ScalarMembers
            {
                public readonly ScaledLayer[] Layers;
                public double Temperature;
                public double Gate { get; set; }
                public readonly int Steps;
                [NoGradient] public double Eps = 0.25;              // a constant: read as it is, not a leaf
                [NoGradient] public Tensor<double> Mask { get; } = Tensor.Create(new[] { 1d, 0d, 2d }, new nint[] { 3 });
                public ScalarMembers(ScaledLayer[] layers, double temperature, double gate, int steps) { Layers = layers; Temperature = temperature; Gate = gate; Steps = steps; }

                [Differentiable]
                public static double Sharpen(double value, double temperature) => value / temperature;

                [Differentiable]
                public double F([NoGradient] Tensor<double> x, double bias)
                {
                    var h = x;
                    foreach (var layer in Layers) h = Ops.Tanh(Ops.MatMul(h, layer.W) * layer.Scale) * Mask + Eps;
                    var s = Gate;
                    for (int i = 0; i < Steps; i++) s = s * 0.5 + Temperature * Layers[i].Scale;
                    return Sharpen(Ops.Sum(h * h), Temperature) + Sharpen(s, Layers[1].Scale) + Gate * bias;
                }

                public static ScalarMembers Make(Random r) => new(new[] { new ScaledLayer(Data.Make(r, 3, 3), 0.8), new ScaledLayer(Data.Make(r, 3, 3), 1.3) }, 1.7, 0.4, 2);
                public static object[] Args(Random r) => new object[] { Data.Make(r, 2, 3), 0.6 };
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
        var parameters = forward.GetParameters();
        var differentiable = parameters.Where(p => (p.ParameterType == typeof(Tensor<double>) || p.ParameterType == typeof(double)) && p.GetCustomAttribute<NoGradientAttribute>() is null).Select(p => p.Position).ToList();
        Assert.Equal(2 + differentiable.Count, tuple.Length);

        // The accumulating form adds into gradients that already hold the tuple form's: twice it.
        var accumulate = type.GetMethods().Single(m => m.Name == "FBackward" && !m.ReturnType.IsAssignableTo(typeof(ITuple)));
        Assert.Equal("dSelf", accumulate.GetParameters()[args.Length].Name);
        var twiceSelf = Parameters.ZerosLike(dSelf);
        var twiceArgs = differentiable.Select(k => args[k] is Tensor<double> t ? Ops.ZerosLike(t) : (object)0d).ToArray();
        object[] accumulateArgs = [.. args, twiceSelf, .. twiceArgs, 1d, false];
        accumulate.Invoke(model, accumulateArgs);
        accumulate.Invoke(model, accumulateArgs); // a scalar gradient is passed by ref: the array holds its new value

        // Every leaf: (path, how many values, read value i, write value i, the gradient, the accumulated gradient).
        var checks = Parameters.Leaves(model).Zip(Parameters.Leaves(dSelf), Parameters.Leaves(twiceSelf))
            .Select(l => Leaf("this." + l.First.Path, l.First.Tensor, l.Second.Tensor, l.Third.Tensor))
            .Concat(differentiable.Select((k, j) => args[k] is Tensor<double>
                ? Leaf(parameters[k].Name!, args[k], tuple[2 + j]!, accumulateArgs[args.Length + 1 + j])
                : (parameters[k].Name!, 1, _ => (double)args[k], (_, v) => args[k] = v, new[] { (double)tuple[2 + j]! }, new[] { (double)accumulateArgs[args.Length + 1 + j] })))
            .ToList();
        Assert.Contains(checks, c => c.Path.StartsWith("this.", StringComparison.Ordinal));
        foreach (var (path, count, get, set, analytic, doubled) in checks)
        {
            for (var i = 0; i < count; i++)
            {
                var original = get(i);
                set(i, original + 1e-6); var plus = Objective();
                set(i, original - 1e-6); var minus = Objective();
                set(i, original);
                var numerical = (plus - minus) / 2e-6;
                Assert.True(Math.Abs(numerical - analytic[i]) <= 1e-6 * Math.Max(1, Math.Abs(numerical)), $"{path}[{i}]: numerical {numerical:R}, generated {analytic[i]:R}");
                Assert.True(Math.Abs(2 * analytic[i] - doubled[i]) <= 1e-12 * Math.Max(1, Math.Abs(doubled[i])), $"{path}[{i}]: accumulated twice {doubled[i]:R}, expected {2 * analytic[i]:R}");
            }
        }
    }

    /// <summary>A tensor or scalar leaf of a model with its gradient and accumulated gradient, for the finite-difference loop.</summary>
    private static (string Path, int Count, Func<int, double> Get, Action<int, double> Set, double[] Analytic, double[] Doubled) Leaf(string path, object value, object gradient, object twice)
    {
        if (value is ScalarLeaf scalar)
        {
            return (path, 1, _ => scalar.Value, (_, v) => scalar.Value = v, new[] { ((ScalarLeaf)gradient).Value }, new[] { ((ScalarLeaf)twice).Value });
        }
        var tensor = (Tensor<double>)value;
        return (path, (int)tensor.FlattenedLength, i => Span(tensor)[i], (i, v) => Span(tensor)[i] = v, GradientChecker.Values(gradient), GradientChecker.Values(twice));
    }

    private static Span<double> Span(Tensor<double> tensor) => System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref tensor.AsTensorSpan().GetPinnableReference(), (int)tensor.FlattenedLength);
}
