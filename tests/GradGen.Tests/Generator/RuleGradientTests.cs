using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// Every rule of the table, through the real generator: each case is a [Differentiable] method; its generated
/// backward is compared with central finite differences (GradCheck, in double). All cases share one compilation.
/// </summary>
public class RuleGradientTests
{
    /// <param name="Shapes">Per parameter, its tensor shape; null for a scalar; parameters named in Passive get fixed values.</param>
    /// <param name="Positive">Inputs drawn from [0.5, 2] (for log, sqrt, pow) instead of ±[0.2, 2].</param>
    private static readonly int[] M = [2, 3];
    private static readonly int[] Row = [3];
    private static readonly int[] Square = [3, 3];

    public static readonly GradientCase[] Cases =
    [
        // scalars
        new("ScalarAdd", "double F(double a, double b) => a + b;", [null, null]),
        new("ScalarSubtract", "double F(double a, double b) => a - b;", [null, null]),
        new("ScalarMultiply", "double F(double a, double b) => a * b;", [null, null]),
        new("ScalarDivide", "double F(double a, double b) => a / b;", [null, null]),
        new("ScalarNegate", "double F(double a) => -a * 3;", [null]),
        new("ScalarConstants", "double F(double a) => 2 * a + 1.5 - a / 4;", [null]),
        new("ScalarFloatToDouble", "double F(double a, float b) => a * b;", [null, null]),
        new("ScalarPassiveInt", "double F(double a, int n) => a * n + n;", [null, null]),
        new("ScalarExp", "double F(double a) => Math.Exp(a);", [null]),
        new("ScalarLog", "double F(double a) => Math.Log(a);", [null], Positive: true),
        new("ScalarSqrt", "double F(double a) => Math.Sqrt(a);", [null], Positive: true),
        new("ScalarSin", "double F(double a) => Math.Sin(a);", [null]),
        new("ScalarCos", "double F(double a) => Math.Cos(a);", [null]),
        new("ScalarTanh", "double F(double a) => Math.Tanh(a);", [null]),
        new("ScalarPow", "double F(double a, double b) => Math.Pow(a, b);", [null, null], Positive: true),
        new("ScalarAbs", "double F(double a) => Math.Abs(a) * a;", [null]),
        new("ScalarMax", "double F(double a, double b) => Math.Max(a, 2 * b);", [null, null]),
        new("ScalarMin", "double F(double a, double b) => Math.Min(a, 2 * b);", [null, null]),
        new("ScalarFloatMathF", "float F(float a) => MathF.Sin(a) * a;", [null]),
        new("ScalarReassigned", "double F(double a, double b) { var h = a * b; h = h + a; h = h * h; return h; }", [null, null]),
        new("ScalarCompound", "double F(double a, double b) { var h = a; h += b; h *= a; h -= b; h /= 2; return h; }", [null, null]),
        new("ScalarFanOut", "double F(double a) { var s = Math.Sin(a); return s * s + s; }", [null]),
        new("ScalarReturnsParameter", "double F(double a, double b) => a;", [null, null]),

        // tensor element-wise, with broadcasting
        new("TensorAdd", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => a + b;", [M, M]),
        new("TensorAddBroadcast", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => a + b;", [M, Row]),
        new("TensorAddBroadcastLeft", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => a + b;", [Row, M]),
        new("TensorAddScalar", "Tensor<double> F(Tensor<double> a, double s) => a + s;", [M, null]),
        new("ScalarAddTensor", "Tensor<double> F(double s, Tensor<double> a) => Ops.Add(s, a);", [null, M]),
        new("TensorSubtract", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => a - b;", [M, Row]),
        new("TensorSubtractScalar", "Tensor<double> F(Tensor<double> a, double s) => a - s;", [M, null]),
        new("ScalarSubtractTensor", "Tensor<double> F(double s, Tensor<double> a) => Ops.Subtract(s, a);", [null, M]),
        new("TensorHadamard", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => a * b;", [M, M]),
        new("TensorHadamardBroadcast", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => Ops.Multiply(a, b);", [M, Row]),
        new("TensorTimesScalar", "Tensor<double> F(Tensor<double> a, double s) => a * s;", [M, null]),
        new("ScalarTimesTensor", "Tensor<double> F(double s, Tensor<double> a) => Ops.Multiply(s, a);", [null, M]),
        new("TensorDivide", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => a / b;", [M, M], Positive: true),
        new("TensorDivideBroadcast", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => a / b;", [M, Row], Positive: true),
        new("TensorDivideScalar", "Tensor<double> F(Tensor<double> a, double s) => a / s;", [M, null], Positive: true),
        new("ScalarDivideTensor", "Tensor<double> F(double s, Tensor<double> a) => Ops.Divide(s, a);", [null, M], Positive: true),
        new("TensorNegate", "Tensor<double> F(Tensor<double> a) => -a;", [M]),
        new("TensorSquareByFanOut", "Tensor<double> F(Tensor<double> a) => a * a;", [M]),

        // tensor functions
        new("MatMul", "Tensor<double> F(Tensor<double> x, Tensor<double> w) => Ops.MatMul(x, w);", [M, Square]),
        new("MatMulBias", "Tensor<double> F(Tensor<double> x, Tensor<double> w, Tensor<double> b) => Ops.MatMulBias(x, w, b);", [M, Square, Row]),
        new("MatMulBiasRelu", "Tensor<double> F(Tensor<double> x, Tensor<double> w, Tensor<double> b) => Ops.MatMulBiasRelu(x, w, b);", [M, Square, Row]),
        new("MatMulTransposed", "Tensor<double> F(Tensor<double> x, Tensor<double> w) => Ops.MatMulTransposed(x, w);", [M, [4, 3]]),
        new("MatMulTransposedBatched", "Tensor<double> F(Tensor<double> x, Tensor<double> w) => Ops.MatMulTransposed(x, w);", [[2, 2, 3], [4, 3]]),
        new("MatMulBiasBatched", "Tensor<double> F(Tensor<double> x, Tensor<double> w, Tensor<double> b) => Ops.MatMulBias(x, w, b);", [[2, 2, 3], Square, Row]),
        new("Transpose", "Tensor<double> F(Tensor<double> x) => Ops.Transpose(x);", [M]),
        new("Relu", "Tensor<double> F(Tensor<double> x) => Ops.Relu(x);", [M]),
        new("Sigmoid", "Tensor<double> F(Tensor<double> x) => Ops.Sigmoid(x);", [M]),
        new("Tanh", "Tensor<double> F(Tensor<double> x) => Ops.Tanh(x);", [M]),
        new("Exp", "Tensor<double> F(Tensor<double> x) => Ops.Exp(x);", [M]),
        new("Log", "Tensor<double> F(Tensor<double> x) => Ops.Log(x);", [M], Positive: true),
        new("Sqrt", "Tensor<double> F(Tensor<double> x) => Ops.Sqrt(x);", [M], Positive: true),
        new("Square", "Tensor<double> F(Tensor<double> x) => Ops.Square(x);", [M]),
        new("Sum", "double F(Tensor<double> x) => Ops.Sum(x);", [M]),
        new("Mean", "double F(Tensor<double> x) => Ops.Mean(x) * Ops.Mean(x);", [M]),
        new("Softmax", "Tensor<double> F(Tensor<double> x) => Ops.Softmax(x);", [M]),
        new("SoftmaxCrossEntropy", "double F(Tensor<double> z, int[] targets) => Ops.SoftmaxCrossEntropy(z, targets);", [M, null]),
        new("SumAlongAxis", "Tensor<double> F(Tensor<double> x) => Ops.Sum(x, 1);", [M]),
        new("SumAlongAxisKeepDims", "Tensor<double> F(Tensor<double> x) => Ops.Sum(x, 0, keepDims: true) * x;", [M]),
        new("MeanAlongAxis", "Tensor<double> F(Tensor<double> x) => Ops.Mean(x, 2, true);", [[2, 2, 3]]),
        new("MaxAlongAxis", "Tensor<double> F(Tensor<double> x) => Ops.Max(x, 1);", [M]),
        new("SoftmaxAlongAxis", "Tensor<double> F(Tensor<double> x) => Ops.Softmax(x, 0);", [M]),
        new("LogSoftmaxAlongAxis", "Tensor<double> F(Tensor<double> x) => Ops.LogSoftmax(x, 1);", [M]),
        new("LayerNorm", "Tensor<double> F(Tensor<double> x, Tensor<double> w, Tensor<double> b) => Ops.LayerNorm(x, w, b, 1e-5);", [[2, 2, 3], Row, Row]),
        new("Gelu", "Tensor<double> F(Tensor<double> x) => Ops.Gelu(x);", [M]),
        new("BiasGelu", "Tensor<double> F(Tensor<double> x, Tensor<double> b) => Ops.BiasGelu(x, b);", [M, Row]),
        new("BiasGeluBroadcast", "Tensor<double> F(Tensor<double> x, Tensor<double> b) => Ops.BiasGelu(x, b);", [M, [2, 1]]),
        new("CausalSoftmax", "Tensor<double> F(Tensor<double> s) => Ops.CausalSoftmax(s, 0.5);", [[2, 3, 3]]),
        new("EmbeddingRepeatedIds", "Tensor<double> F(Tensor<double> table) => Ops.Embedding(table, new[] { 1, 3, 1, 0 }, 2, 2);", [[4, 3]]),
        new("Reshape", "Tensor<double> F(Tensor<double> x) => Ops.Tanh(Ops.Reshape(x, 3, 2));", [M]),
        new("TransposeAxes", "Tensor<double> F(Tensor<double> x) => Ops.TransposeAxes(x, 0, 2);", [[2, 3, 2]]),
        new("Permute", "Tensor<double> F(Tensor<double> x) => Ops.Permute(x, 2, 0, 1);", [[2, 3, 2]]),
        new("Slice", "Tensor<double> F(Tensor<double> x) => Ops.Slice(x, 1, 1, 2) * Ops.Slice(x, 1, 0, 2);", [M]),
        new("SplitHeads", "Tensor<double> F(Tensor<double> x) => Ops.SplitHeads(x, 2, 2, 4, new[] { 2, 2, 2, 2 });", [[2, 2, 8]]),
        new("MergeHeads", "Tensor<double> F(Tensor<double> x) => Ops.MergeHeads(x, 1, 2, new[] { 2, 3, 4 });", [[2, 2, 3, 2]]),
        new("Split", "double F(Tensor<double> x) { var parts = Ops.Split(x, 1, 3); return Ops.Sum(parts[0] * parts[2] + Ops.Tanh(parts[1])); }", [[2, 6]]),
        new("Concat", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => Ops.Concat(1, a, Ops.Tanh(b), a);", [M, M]),
        new("LinearLayer", "Tensor<double> F(Tensor<double> x, Tensor<double> w, Tensor<double> b) => Ops.Tanh(Ops.MatMul(x, w) + b);", [M, Square, Row]),
        new("Residual", "Tensor<double> F(Tensor<double> x, Tensor<double> w) { var h = x; h = h + Ops.Relu(Ops.MatMul(h, w)); h = h + Ops.Sigmoid(Ops.MatMul(h, w)); return h; }", [M, Square]),
        new("FloatTensor", "float F(Tensor<float> x, Tensor<float> w) => Ops.Sum(Ops.Tanh(Ops.MatMul(x, w)));", [M, Square]),
        new("NoGradientParameter", "double F(Tensor<double> x, [NoGradient] Tensor<double> w) => Ops.Sum(Ops.MatMul(x, w));", [M, Square]),
        new("CallsDifferentiable", "double F(Tensor<double> x, Tensor<double> w, double s) => Helpers.Layer(x, w, s) + Helpers.Scale(s);", [M, Square, null]),
        new("CallsWithInactiveTensorArgument", "Tensor<double> F([NoGradient] Tensor<double> x, Tensor<double> w) => Helpers.Hadamard(x * 2.0, w) + Helpers.Hadamard(x, w);", [M, M]),
        new("CallsWithConstantArgument", "double F(Tensor<double> x, Tensor<double> w) => Helpers.Layer(x, w, 2.0);", [M, Square]),
    ];

    /// <summary>The [Differentiable] callees of the call cases.</summary>
    public const string HelpersSource = """
        public static partial class Helpers
        {
            [Differentiable]
            public static double Layer(Tensor<double> x, Tensor<double> w, double s) => Ops.Mean(Ops.Tanh(Ops.MatMul(x, w) * s));

            [Differentiable]
            public static double Scale(double s) => s * s;

            [Differentiable]
            public static Tensor<double> Hadamard(Tensor<double> a, Tensor<double> b) => a * b;
        }
        """;

    private static string[] Sources => GradientCase.Sources(Cases, HelpersSource);

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(Sources));

    public static IEnumerable<object[]> CaseData => Cases.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(CaseData))]
    public void Generated_gradient_matches_finite_differences(GradientCase testCase) => testCase.Check(Compiled.Value);

    [Fact]
    public void Every_rule_of_the_table_is_exercised()
    {
        var compilation = Harness.Compilation(Sources);
        var used = new HashSet<(GradGen.Generators.Model.OpKind, string)>();
        foreach (var testCase in Cases)
        {
            var method = compilation.GetTypeByMetadataName(testCase.Name)!.GetMembers("F").OfType<Microsoft.CodeAnalysis.IMethodSymbol>().Single();
            var lowered = GradGen.Generators.Lowering.Lowerer.Lower(method, compilation, default);
            var model = lowered.Model;
            Assert.True(model is not null, testCase.Name + ": " + string.Join("; ", lowered.Rejections.Select(r => r.Kind + " " + string.Join(", ", r.Args))));
            foreach (var instruction in model.Instructions.Where(i => i.Op is not (GradGen.Generators.Model.OpKind.Parameter or GradGen.Generators.Model.OpKind.Constant or GradGen.Generators.Model.OpKind.Call)))
            {
                used.Add((instruction.Op, GradGen.Generators.Differentiation.Differentiator.Signature(instruction, model.Instructions)));
            }
        }
        var missing = GradGen.Generators.Differentiation.Rules.All.Where(r => !used.Contains((r.Op, r.Signature))).Select(r => r.Op + "(" + r.Signature + ")").ToList();
        Assert.True(missing.Count == 0, "rules without a finite-difference test case: " + string.Join(", ", missing));
    }
}
