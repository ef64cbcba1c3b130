using System;
using System.Linq;
using System.Reflection;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// Loops (and the passive values and arrays of tensors they bring), through the real generator: each case's generated
/// backward against central finite differences in double. All cases share one compilation.
/// </summary>
public class ControlFlowGradientTests
{
    private static readonly int[] M = [2, 3];
    private static readonly int[] Square = [3, 3];

    public static readonly GradientCase[] Cases =
    [
        // a scalar carried through a counted loop; the loop's own index and passive arithmetic in the body
        new("ScalarPowerLoop", "double F(double x, int n) { var y = 1.0; for (int i = 0; i < n; i++) { y = y * x; } return y; }", [null, null]),
        new("ScalarLoopUsesIndex", "double F(double x, double w) { var s = 0.0; for (int i = 1; i < 4; i++) { s += w * x * i; } return s; }", [null, null]),
        new("ScalarTwoCarried", "double F(double a, double b) { var p = a; var q = b; for (int i = 0; i < 3; i++) { var t = p * q; p = q + 0.5 * t; q = t; } return p + q; }", [null, null]),
        new("ScalarSwapCarried", "double F(double a, double b) { var p = a; var q = b; for (int i = 0; i < 3; i++) { var t = p; p = q * 2; q = t; } return p * q; }", [null, null]),
        new("ScalarZeroIterations", "double F(double x, double w) { var y = x * w; for (int i = 0; i < 0; i++) { y = y * w; } return y; }", [null, null]),
        new("ScalarNestedLoops", "double F(double x) { var y = x; for (int i = 0; i < 2; i++) { for (int j = 0; j < 3; j++) { y = Math.Sin(y) + x * 0.5; } } return y; }", [null]),
        new("ScalarLoopCarriedUnused", "double F(double x, double w) { var u = x; var v = w; for (int i = 0; i < 3; i++) { u = u * v; v = v + 1; } return u; }", [null, null]),
        new("ScalarBoundFromPassive", "double F(double x, int n) { var y = x; var m = n * 2 - 3; for (int i = 0; i < m; i++) { y = y * 0.9 + x; } return y; }", [null, null]),

        // the body overwrites the carried value without reading it (found by the random programs): the initial value gets
        // a gradient only when the loop runs no iteration, and each iteration's yield gets it once
        new("LoopOverwritesCarried", "double F(double a, double c) { var h = Math.Sin(a); for (int i = 0; i < 2; i++) { h = Math.Cos(c) * a; } return h * h; }", [null, null]),
        new("LoopOverwritesCarriedWithPassive", "double F(double a, [NoGradient] double k, int n) { var h = a * a; for (int i = 0; i < n - 3; i++) { h = Math.Abs(k); } return h * a; }", [null, null, null]),
        new("LoopOverwritesCarriedTwoIterations", "double F(double a, [NoGradient] double k) { var h = a * a; for (int i = 0; i < 2; i++) { h = Math.Abs(k); } return h * a; }", [null, null]),

        // tensors carried: an RNN cell over time, a deep residual stack over an array of weights
        new("TensorRnn", "Tensor<double> F(Tensor<double> h0, Tensor<double> wh, Tensor<double> wx, Tensor<double>[] xs) { var h = h0; for (int t = 0; t < xs.Length; t++) { h = Ops.Tanh(Ops.MatMul(h, wh) + Ops.MatMul(xs[t], wx)); } return h; }", [M, [3, 3], [3, 3], [4, 2, 3]]),
        new("TensorResidualStack", "double F(Tensor<double> x, Tensor<double>[] ws) { var h = x; for (int i = 0; i < ws.Length; i++) { h = h + Ops.Tanh(Ops.MatMul(h, ws[i])); } return Ops.Sum(h * h); }", [M, [3, 3, 3]]),
        new("TensorForEachLayers", "double F(Tensor<double> x, Tensor<double>[] ws) { var h = x; foreach (var w in ws) { h = Ops.Relu(Ops.MatMul(h, w)) + h; } return Ops.Mean(h); }", [M, [2, 3, 3]]),
        new("TensorSharedWeightInLoop", "double F(Tensor<double> x, Tensor<double> w) { var h = x; for (int i = 0; i < 3; i++) { h = Ops.Sigmoid(Ops.MatMul(h, w)); } return Ops.Sum(h); }", [M, Square]),
        new("TensorLoopReadsElementTwice", "double F(Tensor<double>[] ws) { var s = 0.0; for (int i = 0; i < ws.Length; i++) { s += Ops.Sum(ws[i] * ws[i]); } return s; }", [[3, 2, 3]]),
        new("TensorSumOfLoopFromZero", "Tensor<double> F(Tensor<double> x, Tensor<double>[] ws) { var acc = x * 0.0; for (int i = 0; i < ws.Length; i++) { acc = acc + ws[i] * x; } return acc; }", [M, [3, 2, 3]]),
        // loops that test a condition every iteration (issue 13, repro 205; issue 17): C# re-reads a for loop's bound before
        // every iteration, so a bound the body changes is tested again in the generated forward too
        new("ForBoundChangedByBody", "double F(double x, int n) { var y = x; var m = n; for (int i = 0; i < m; i++) { m = m - 1; y = y * x; } return y; }", [null, null]),
        new("ForBoundIsShapeOfCarriedTensor", "double F(Tensor<double> x) { var h = x; var total = 0.0; for (int i = 0; i < (int)h.Lengths[0]; i++) { total = total + Ops.Sum(h * h); h = Ops.Slice(h, 0, 1, (int)h.Lengths[0] - 1); } return total; }", [[4, 2]]),
        new("WhileCounter", "double F(double x, int n) { var y = x; var k = 0; while (k < n) { y = Math.Sin(y) * x; k++; } return y; }", [null, null]),
        new("WhileZeroIterations", "double F(double x, int n) { var y = x * x; var k = n; while (k < 0) { y = y * x; k++; } return y; }", [null, null]),
        new("WhileOnDifferentiatedComparison", "double F(double x) { var y = Math.Abs(x) + 0.5; var s = 0.0; while (y < 10) { s = s + y * x; y = y * 2; } return s; }", [null]),
        new("WhileTensor", "double F(Tensor<double> x, Tensor<double> w) { var h = x; var k = 0; while (k < 3) { h = Ops.Tanh(Ops.MatMul(h, w)) + h; k += 1; } return Ops.Sum(h * h); }", [M, Square]),
        new("DoWhile", "double F(double x, int n) { var y = x; var k = 0; do { y = y * x + 1; k += 1; } while (k < n); return y; }", [null, null]),
        new("DoWhileRunsOnce", "double F(double x, int n) { var y = x; var k = 0; do { y = Math.Exp(y) * x; k++; } while (k > n); return y; }", [null, null]),
        new("BreakInFor", "double F(double x, int n) { var y = x; for (int i = 0; i < 10; i++) { y = y * 0.9 + x; if (i >= n) break; y = Math.Sin(y); } return y; }", [null, null]),
        new("BreakWithStatements", "double F(double x, double w) { var y = x; var s = 0.0; for (int i = 0; i < 8; i++) { s = s + y * w; if (i == 2) { s = s * w; break; } y = Math.Tanh(y + w); } return s + y; }", [null, null]),
        new("ContinueInFor", "double F(double x, double w) { var s = 0.0; for (int i = 0; i < 5; i++) { if (i % 2 == 1) continue; s = s + Math.Sin(w * i) * x; } return s; }", [null, null]),
        new("WhileTrueBreak", "double F(double x) { var y = x; var k = 0; while (true) { y = Math.Tanh(y) + x; k++; if (k == 4) break; } return y; }", [null]),
        new("ContinueInDoWhile", "double F(double x, int n) { var y = x; var k = 0; do { k++; if (k == 2) continue; y = y * x + 0.5; } while (k < n); return y; }", [null, null]),
        new("BreakInInnerLoop", "double F(double x) { var y = x; for (int i = 0; i < 3; i++) { for (int j = 0; j < 5; j++) { if (j > i) break; y = y * 0.5 + x * j; } y = Math.Sin(y); } return y; }", [null]),
        new("WhileBreakOnDifferentiatedValue", "double F(double x, double w) { var y = Math.Abs(x) + 1; var k = 0; while (k < 20) { y = y * 1.5 + w * w; if (y > 30) break; k++; } return y * x; }", [null, null]),
        // branches: the gradient flows through the branch taken
        new("HandWrittenRelu", "double F(double x) => x > 0 ? x : 0;", [null]),
        new("ComparisonAlwaysTrue", "double F(double x) => x * x > -1 ? x * 3 : Math.Exp(x);", [null]),
        new("ComparisonAlwaysFalse", "double F(double x) => x * x < -1 ? x * 3 : Math.Exp(x);", [null]),
        new("NestedElseIfHuber", "double F(double p, double t) { var e = p - t; var l = 0.5 * e * e; if (e > 0.3) { l = 0.3 * (e - 0.15); } else if (e < -0.3) { l = -0.3 * (e + 0.15); } return l * p; }", [null, null]),
        new("NestedElseIfHuberMiddle", "double F(double p, double t) { var e = (p - t) * 0.01; var l = 0.5 * e * e; if (e > 0.3) { l = 0.3 * (e - 0.15); } else if (e < -0.3) { l = -0.3 * (e + 0.15); } return l * p; }", [null, null]),
        new("HandWrittenReluNegative", "double F(double x) => -x > 0 ? -x * 3 : 0.5 * x;", [null]),
        new("BranchOnPassiveTaken", "Tensor<double> F(Tensor<double> x, Tensor<double> w, int mode) => mode > 2 ? Ops.MatMul(x, w) : Ops.Tanh(x) * 2.0;", [M, Square, null]),
        new("BranchOnPassiveNotTaken", "Tensor<double> F(Tensor<double> x, Tensor<double> w, int mode) => mode < 2 ? Ops.MatMul(x, w) : Ops.Tanh(x) * 2.0;", [M, Square, null]),
        new("IfElseAssignsLocals", "double F(double a, double b) { var s = a * b; var t = a; if (a > b) { s = s * a; t = Math.Sin(b); } else { s = s + b * b; } return s + t; }", [null, null]),
        new("IfWithoutElse", "double F(double a, double b) { var s = a; if (b > 0) s = s * b + Math.Exp(a); return s * a; }", [null, null]),
        new("BranchInsideLoop", "double F(double x, double w) { var y = x; for (int i = 0; i < 4; i++) { if (i % 2 == 0) { y = y * w; } else { y = Math.Tanh(y) + w; } } return y; }", [null, null]),
        new("LoopInsideBranch", "double F(double x, int n) { var y = x; if (n > 1) { for (int i = 0; i < n; i++) { y = y * x; } } return y; }", [null, null]),
        new("TensorBranchReadsRecordedValues", "double F(Tensor<double> x, Tensor<double> w, double s) { var h = Ops.MatMul(x, w); var r = s > 0 ? Ops.Sigmoid(h) * s : Ops.Exp(h); return Ops.Sum(r * h); }", [M, Square, null]),
        // early returns: the rest of the method lies in the other region of the returning if; each path is taken by one case
        new("EarlyReturnOnShapeTaken", "double F(Tensor<double> x, Tensor<double> w) { if (x.Lengths[0] == 2) return Ops.Sum(x * x) * 0.5; var h = Ops.MatMul(x, w); return Ops.Sum(h * h); }", [M, Square]),
        new("EarlyReturnOnShapeNotTaken", "double F(Tensor<double> x, Tensor<double> w) { if (x.Lengths[0] == 0) return 0.0; var h = Ops.MatMul(x, w); return Ops.Sum(h * h); }", [M, Square]),
        new("EarlyReturnConstantTaken", "double F(Tensor<double> x, Tensor<double> w) { if (x.Lengths[0] == 2) return 0.0; var h = Ops.MatMul(x, w); return Ops.Sum(h * h); }", [M, Square]),
        new("EarlyReturnOnComparisonThen", "double F(double a, double b) { if (a * a > -1) return a * a * b; return -a; }", [null, null]),
        new("EarlyReturnOnComparisonRest", "double F(double a, double b) { if (a * a < -1) return a * a * b; return -a * Math.Sin(b); }", [null, null]),
        new("EarlyReturnTensorResultTaken", "Tensor<double> F(Tensor<double> x, Tensor<double> w, int n) { if (n == 3) return Ops.Tanh(x) * 3.0; var h = Ops.MatMul(x, w); return h * 2.0 + x; }", [M, Square, null]),
        new("EarlyReturnTensorResultNotTaken", "Tensor<double> F(Tensor<double> x, Tensor<double> w, int n) { if (n == 0) return Ops.Tanh(x) * 3.0; var h = Ops.MatMul(x, w); return h * 2.0 + x; }", [M, Square, null]),
        new("EarlyReturnNestedInner", NestedReturns("n == 3"), [null, null, null]),
        new("EarlyReturnNestedFallsThrough", NestedReturns("n == 4"), [null, null, null]),
        new("EarlyReturnNestedElse", NestedReturns("n > 5").Replace("n > 2", "n > 9"), [null, null, null]),
        new("EarlyReturnRestOnBothPathsInner", BothPaths("n == 3"), [null, null, null]),
        new("EarlyReturnRestOnBothPathsThen", BothPaths("n == 4"), [null, null, null]),
        new("EarlyReturnRestOnBothPathsElse", BothPaths("n == 3").Replace("n > 2", "n > 9"), [null, null, null]),
        new("EarlyReturnElseIfChainFirst", ElseIfChain("n == 3", "n == 4"), [null, null, null]),
        new("EarlyReturnElseIfChainSecond", ElseIfChain("n == 4", "n == 3"), [null, null, null]),
        new("EarlyReturnElseIfChainLast", ElseIfChain("n == 4", "n == 5"), [null, null, null]),
        new("EarlyReturnLocalReassignedTaken", "double F(double a, double b, int n) { var h = a * b; if (n == 3) { h = h * b; return h * h; } return h * a; }", [null, null, null]),
        new("EarlyReturnLocalReassignedNotTaken", "double F(double a, double b, int n) { var h = a * b; if (n == 4) { h = h * b; return h * h; } return h * a; }", [null, null, null]),
        new("EarlyReturnAfterLoop", "double F(double x, int n) { var y = x; for (int i = 0; i < n; i++) { y = y * x + 0.1; } if (n == 3) return y; return y + x; }", [null, null]),
        new("EarlyReturnBeforeLoop", "double F(double x, double w, int n) { if (n == 4) return x; var y = x; for (int i = 0; i < n; i++) { y = Math.Sin(y) * w; } return y; }", [null, null, null]),
        new("EarlyReturnInNestedBlocks", "double F(double a, double b, int n) { var s = a; { var t = s * b; { if (n == 3) { return t * a; } } s = t + b; } return s * s; }", [null, null, null]),
        // 60 early returns in a row (below Lowerer.MaxReturnNesting): the path taken is the innermost, 60 branches deep
        new("EarlyReturnsInARow", "double F(double x, double w, int n) { " + string.Concat(Enumerable.Range(0, 60).Select(i => "if (n == " + (i + 10) + ") return x * " + i + ".0; ")) + "return Math.Sin(x * w) * x; }", [null, null, null]),
        new("EarlyReturnInsideBranchAssigningLocals", "double F(double a, double b, int n) { var s = a; if (b * b > -1) { s = s * b; } if (n == 3) return s * a; return s; }", [null, null, null]),
        // functions with a registered derivative: the user's pullback, not the body, is differentiated
        new("CustomScalarDerivative", "double F(double x, double w) => Custom.Softplus(x * w) * x;", [null, null]),
        new("CustomTensorDerivative", "double F(Tensor<double> x, Tensor<double> w) => Ops.Sum(Custom.RowLogSumExp(Ops.MatMul(x, w)) * 3.0);", [M, Square]),
        new("CustomDerivativeInactiveArgument", "double F([NoGradient] Tensor<double> x, double s) => Custom.Scale(x, s) + s;", [M, null]),
        new("TensorArrayElementOutsideLoop", "double F(Tensor<double>[] ws, Tensor<double> x) => Ops.Sum(Ops.MatMul(x, ws[1]));", [[2, 3, 3], M]),
    ];

    /// <summary>Returns on two paths of a nested if, the rest of the method on the third.</summary>
    private static string NestedReturns(string inner) =>
        "double F(double a, double b, int n) { var s = a * b; if (n > 2) { if (" + inner + ") return s * a; s = s + Math.Sin(b); } else { return Math.Exp(a) * b; } var t = s * s; return t + a; }";

    /// <summary>An inner return on one path: the rest of the method is reached from both regions of the outer if (and copied into both).</summary>
    private static string BothPaths(string inner) =>
        "double F(double a, double b, int n) { var s = a * b; if (n > 2) { if (" + inner + ") return s * a; s = s + Math.Sin(b); } else { s = s * 2.0; } var t = s * s; return t + a; }";

    private static string ElseIfChain(string first, string second) =>
        "double F(double p, double t, int n) { var e = p - t; if (" + first + ") return 0.3 * (e - 0.15); else if (" + second + ") { var m = -0.3 * (e + 0.15); return m * p; } return 0.5 * e * e; }";

    public static TheoryData<GradientCase> CaseData() => GradientCase.Data(Cases);

    /// <summary>Functions GradGen does not look into, each with a registered derivative.</summary>
    public const string CustomSource = """
        public static class Custom
        {
            /// <summary>log(1 + eˣ), computed stably with a branch GradGen need not see.</summary>
            public static double Softplus(double x)
            {
                if (x > 20) return x;
                return Math.Log(1 + Math.Exp(x));
            }

            [DerivativeOf(nameof(Softplus))]
            public static void SoftplusPullback(double x, double y, double dY, ref double dX) => dX += dY / (1 + Math.Exp(-x));

            /// <summary>log Σⱼ exp(x[i, j]) per row, with the max subtracted (a loop over spans).</summary>
            public static Tensor<double> RowLogSumExp(Tensor<double> x)
            {
                var rows = (int)x.Lengths[0];
                var columns = (int)x.Lengths[1];
                var result = new double[rows];
                for (var i = 0; i < rows; i++)
                {
                    var max = double.NegativeInfinity;
                    for (var j = 0; j < columns; j++) max = Math.Max(max, x[i, j]);
                    var sum = 0.0;
                    for (var j = 0; j < columns; j++) sum += Math.Exp(x[i, j] - max);
                    result[i] = max + Math.Log(sum);
                }
                return Tensor.Create(result, new nint[] { rows });
            }

            [DerivativeOf(nameof(RowLogSumExp))]
            public static void RowLogSumExpPullback(Tensor<double> x, Tensor<double> y, Tensor<double> dY, Tensor<double> dX)
            {
                for (var i = 0; i < (int)x.Lengths[0]; i++)
                {
                    for (var j = 0; j < (int)x.Lengths[1]; j++) dX[i, j] += dY[i] * Math.Exp(x[i, j] - y[i]);
                }
            }

            /// <summary>Σ x·s (x not differentiated at the call): the pullback still receives a buffer for x.</summary>
            public static double Scale(Tensor<double> x, double s) => Ops.Sum(x) * s;

            [DerivativeOf(nameof(Scale))]
            public static void ScalePullback(Tensor<double> x, double s, double y, double dY, Tensor<double> dX, ref double dS)
            {
                dS += dY * Ops.Sum(x);
                for (var i = 0; i < (int)x.Lengths[0]; i++) for (var j = 0; j < (int)x.Lengths[1]; j++) dX[i, j] += dY * s;
            }
        }
        """;

    private static string[] Sources => GradientCase.Sources(Cases, CustomSource);

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(Sources));

    [Theory]
    [MemberData(nameof(CaseData))]
    public void Generated_gradient_matches_finite_differences(GradientCase testCase) => testCase.Check(Compiled.Value);
}
