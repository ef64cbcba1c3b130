using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// Every diagnostic ID at the exact offending expression or statement (never the whole method), in the Roslyn testing
/// library's markup: <c>{|GG0003:for (…) …|}</c> says "GG0003 spans exactly this text". The analyzer has no judgement of its
/// own (it reports what Lower rejects), so these tests pin down both Lower's verdicts and where they are shown.
/// </summary>
public class AnalyzerTests
{
    private static string InClass(string members) => "public static partial class C\n{\n" + members + "\n}\n";

    /// <summary>(case name, source with markup). The name only labels the test case.</summary>
    public static TheoryData<string, string> Located => new()
    {
        // GG0001: the type, or an enclosing type, is not partial (reported at each such type's name)
        { "GG0001 class", """
            public static class {|GG0001:C|}
            {
                [Differentiable]
                public static double F(double a) => a * a;
            }
            """ },
        { "GG0001 enclosing class", """
            public class {|GG0001:Outer|}
            {
                public static partial class C
                {
                    [Differentiable]
                    public static double F(double a) => a * a;
                }
            }
            """ },
        { "GG0001 both", """
            public class {|GG0001:Outer|}
            {
                public struct {|GG0001:S|}
                {
                    [Differentiable]
                    public static double F(double a) => a * a;
                }
            }
            """ },
        { "GG0001 record", """
            public record {|GG0001:R|}(double Scale)
            {
                [Differentiable]
                public static double F(double a) => a * a;
            }
            """ },

        // GG0002: a generated name would clash (at the method's name; the clashing member is the additional location)
        { "GG0002 two overloads", """
            public static partial class C
            {
                [Differentiable]
                public static double {|GG0002:F|}(double a) => a * a;

                [Differentiable]
                public static float {|GG0002:F|}(float a) => a * a;
            }
            """ },

        // GG0003: unsupported statements and expressions, each at the construct
        { "GG0003 for", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    var s = a;
                    {|GG0003:for (var i = 0; i < 3; i += 2) s = s * a;|}
                    return s;
                }
            """) },
        { "GG0003 break nested in an if", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    var s = a;
                    for (int i = 0; i < 3; i++)
                    {
                        if (i > 0) { if (s > 5) {|GG0003:break;|} }
                        s = s * 2;
                    }
                    return s;
                }
            """) },
        { "GG0003 continue in a nested loop's if block, not last", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    var s = a;
                    while (s < 10)
                    {
                        if (s > 5) { {|GG0003:continue;|} s = s * 3; }
                        s = s * 2;
                    }
                    return s;
                }
            """) },
        { "GG0003 foreach", InClass("""
                [Differentiable]
                public static double F(double a, [NoGradient] System.Collections.Generic.IEnumerable<double> weights)
                {
                    var s = a;
                    {|GG0003:foreach (var w in weights) s = s * w;|}
                    return s;
                }
            """) },
        { "GG0003 return inside a loop (at the return)", InClass("""
                [Differentiable]
                public static double F(double a, int stop)
                {
                    var h = a;
                    for (int i = 0; i < 4; i++)
                    {
                        h = h * a;
                        if (i == stop) {|GG0003:return h;|}
                    }
                    return h;
                }
            """) },
        { "GG0003 return inside a foreach in a returning if (at the return)", InClass("""
                [Differentiable]
                public static double F(double a, int[] stops)
                {
                    if (stops.Length > 0)
                    {
                        foreach (var s in stops)
                        {
                            if (s == 0) {|GG0003:return a;|}
                        }
                    }
                    return -a;
                }
            """) },
        { "GG0003 switch statement", InClass("""
                [Differentiable]
                public static double F(double a, int mode)
                {
                    {|GG0003:switch (mode)
                    {
                        case 0: return a;
                        default: return -a;
                    }|}
                }
            """) },
        { "GG0003 switch expression", InClass("""
                [Differentiable]
                public static double F(double a, int mode) => a * {|GG0003:mode switch { 0 => 1.0, _ => 2.0 }|};
            """) },
        { "GG0003 try", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    {|GG0003:try
                    {
                        return a * a;
                    }
                    finally
                    {
                    }|}
                }
            """) },
        { "GG0003 lock", InClass("""
                private static readonly object Gate = new object();

                [Differentiable]
                public static double F(double a)
                {
                    {|GG0003:lock (Gate)
                    {
                        return a * a;
                    }|}
                }
            """) },
        { "GG0003 using", InClass("""
                [Differentiable]
                public static double F(double a, [NoGradient] System.IDisposable resource)
                {
                    {|GG0003:using (resource)
                    {
                        return a * a;
                    }|}
                }
            """) },
        { "GG0003 lambda", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    Func<double, double> twice = {|GG0003:x => x * 2|};
                    return a * a;
                }
            """) },
        { "GG0003 local function", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    {|GG0003:double Twice(double x) => x * 2;|}
                    return a * a;
                }
            """) },
        { "GG0003 goto and label", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    {|GG0003:goto end;|}
                    {|GG0003:end: return a;|}
                }
            """) },
        { "GG0003 async/await", """
            using System.Threading.Tasks;

            public static partial class C
            {
                [Differentiable]
                public static {|GG0003:async|} {|GG0007:Task<double>|} F(double a)
                {
                    await Task.Yield();
                    return a * a;
                }
            }
            """ },
        { "GG0003 pattern matching", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    var positive = {|GG0003:a is > 0|};
                    return a * a;
                }
            """) },
        { "GG0003 type test", InClass("""
                [Differentiable]
                public static double F(double a, [NoGradient] object tag)
                {
                    var known = {|GG0003:tag is string|};
                    return a * a;
                }
            """) },
        { "GG0003 array creation", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    var buffer = {|GG0003:new double[4]|};
                    return a * a;
                }
            """) },
        { "GG0003 object creation", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    var random = {|GG0003:new Random(1)|};
                    return a * a;
                }
            """) },
        { "GG0003 tensor creation", InClass("""
                [Differentiable]
                public static Tensor<double> F(Tensor<double> x)
                {
                    var zeros = {|GG0003:Ops.ZerosLike(x)|};
                    return x * x;
                }
            """) },
        { "GG0003 throw", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    {|GG0003:throw new InvalidOperationException();|}
                }
            """) },
        { "GG0003 field read", InClass("""
                private static double Scale = 2;

                [Differentiable]
                public static double F(double a) => a * {|GG0003:Scale|};
            """) },
        { "GG0003 this of a struct", """
            public partial struct S
            {
                public readonly Tensor<double> W;

                [Differentiable]
                public double F(Tensor<double> x) => Ops.Sum(x * {|GG0003:W|});
            }
            """ },
        { "GG0003 instance method of another object that is not a weight object", """
            public partial class Scaler
            {
                [Differentiable]
                public double Scale(double a) => a * 2;
            }

            public static partial class C
            {
                [Differentiable]
                public static double F(double a, [NoGradient] Scaler scaler) => {|GG0003:scaler.Scale(a)|};
            }
            """ },
        { "GG0003 readonly scalar member of this", """
            public partial class Model
            {
                public readonly Tensor<double> W = Tensor.Create(new double[] { 1 }, new nint[] { 1 });
                public readonly double Scale = 2;

                [Differentiable]
                public double F(Tensor<double> x) => Ops.Sum(x * W) * {|GG0003:Scale|};
            }
            """ },
        { "GG0003 init-only scalar member (a positional record parameter)", """
            public sealed record Layer(Tensor<double> W, double Scale);

            public static partial class C
            {
                [Differentiable]
                public static double F(Layer layer, Tensor<double> x) => Ops.Sum(x * layer.W) * {|GG0003:layer.Scale|};
            }
            """ },
        { "GG0003 scalar member with a private setter of another type", """
            public sealed class Layer
            {
                public Tensor<double> W { get; } = Tensor.Create(new double[] { 1 }, new nint[] { 1 });
                public double Scale { get; private set; }
            }

            public static partial class C
            {
                [Differentiable]
                public static double F(Layer layer, Tensor<double> x) => Ops.Sum(x * layer.W) * {|GG0003:layer.Scale|};
            }
            """ },
        { "GG0003 element read", InClass("""
                [Differentiable]
                public static double F(double a, [NoGradient] double[] weights) => a * {|GG0003:weights[0]|};
            """) },
        { "GG0003 local without initializer", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    double {|GG0003:s|};
                    s = a * a;
                    return s;
                }
            """) },

        // GG0004: calls of methods that are neither ops nor [Differentiable], at the call
        { "GG0004 source method", InClass("""
                private static double Square(double x) => x * x;

                [Differentiable]
                public static double F(double a) => {|GG0004:Square(a)|} + 1;
            """) },
        { "GG0004 library method", InClass("""
                [Differentiable]
                public static double F(double a) => a * {|GG0004:Math.Atan(a)|};
            """) },
        { "no GG0004: a plain method called with passive arguments only (a mask, a count)", InClass("""
                [Differentiable]
                public static double F(double a, int n) => a * Math.BitDecrement(1.0) + a * Twice(n);

                private static int Twice(int n) => 2 * n;
            """) },
        { "GG0004 delegate", InClass("""
                [Differentiable]
                public static double F(double a, [NoGradient] Func<double, double> f) => {|GG0004:f(a)|};
            """) },

        // GG0005: operations without a useful derivative
        { "GG0005 cast to int", InClass("""
                [Differentiable]
                public static double F(double a) => {|GG0005:(int)a|} * a;
            """) },
        { "GG0005 cast to long", InClass("""
                [Differentiable]
                public static float F(float a) => {|GG0005:(long)a|} * a;
            """) },
        { "GG0011 pullback without the result", InClass("""
                public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

                [DerivativeOf(nameof(Softplus))]
                public static void SoftplusPullback(double x, double dY, ref double dX) => dX += dY / (1 + Math.Exp(-x));

                [Differentiable]
                public static double F(double a) => {|GG0011:Softplus(a)|} * a;
            """) },
        { "GG0011 tensor gradient passed by ref", InClass("""
                public static Tensor<double> Twice(Tensor<double> x) => Ops.Multiply(x, 2.0);

                [DerivativeOf(nameof(Twice))]
                public static void TwicePullback(Tensor<double> x, Tensor<double> y, Tensor<double> dY, ref Tensor<double> dX) { }

                [Differentiable]
                public static double F(Tensor<double> a) => Ops.Sum({|GG0011:Twice(a)|});
            """) },
        { "GG0005 Math.Sign", InClass("""
                [Differentiable]
                public static double F(double a) => {|GG0005:Math.Sign(a)|} * a;
            """) },
        { "GG0005 Math.Round", InClass("""
                [Differentiable]
                public static double F(double a) => {|GG0005:Math.Round(a)|} * a;
            """) },
        { "GG0005 Math.Floor", InClass("""
                [Differentiable]
                public static double F(double a) => {|GG0005:Math.Floor(a)|};
            """) },
        { "GG0005 MathF.Ceiling", InClass("""
                [Differentiable]
                public static float F(float a) => {|GG0005:MathF.Ceiling(a)|} + a;
            """) },
        { "GG0005 remainder", InClass("""
                [Differentiable]
                public static double F(double a) => {|GG0005:a % 2|};
            """) },

        // GG0006: mutation
        { "GG0006 assign an element of an array parameter", InClass("""
                [Differentiable]
                public static double F(double a, double[] xs)
                {
                    {|GG0006:xs[0] = a * 2|};
                    return a;
                }
            """) },
        { "GG0006 += on a tensor local holding a computed tensor another local holds too", InClass("""
                [Differentiable]
                public static double F(Tensor<double> x, Tensor<double> y)
                {
                    var h = Ops.Exp(x);
                    var g = h;
                    {|GG0006:h += y|};
                    return Ops.Sum(h * g);
                }
            """) },
        { "GG0006 an element of an array of tensors written in a nested loop", InClass("""
                [Differentiable]
                public static double F(Tensor<double> x, int n)
                {
                    var heads = new Tensor<double>[n];
                    for (int i = 0; i < n; i++)
                    {
                        for (int j = 0; j < n; j++) {|GG0006:heads[i] = x * 2.0|};
                    }
                    return Ops.Sum(Ops.Concat(0, heads));
                }
            """) },
        { "GG0006 an element of an array of tensors written twice", InClass("""
                [Differentiable]
                public static double F(Tensor<double> x)
                {
                    var hs = new Tensor<double>[2];
                    hs[0] = x;
                    hs[1] = x * x;
                    {|GG0006:hs[0] = x * 2.0|};
                    return Ops.Sum(Ops.Concat(0, hs));
                }
            """) },
        { "GG0006 increment parameter", InClass("""
                [Differentiable]
                public static double F(double a)
                {
                    {|GG0006:a++|};
                    return a;
                }
            """) },
        { "GG0006 tensor element", InClass("""
                [Differentiable]
                public static double F(Tensor<double> x)
                {
                    {|GG0006:x[0] = 1|};
                    return Ops.Sum(x);
                }
            """) },
        { "GG0006 += on a parameter tensor", InClass("""
                [Differentiable]
                public static double F(Tensor<double> x, Tensor<double> y)
                {
                    {|GG0006:x += y|};
                    return Ops.Sum(x);
                }
            """) },
        { "GG0006 += on a local tensor", InClass("""
                [Differentiable]
                public static double F(Tensor<double> x, Tensor<double> y)
                {
                    var h = x;
                    {|GG0006:h += y|};
                    return Ops.Sum(h);
                }
            """) },
        { "GG0006 field", InClass("""
                private static double Last;

                [Differentiable]
                public static double F(double a)
                {
                    {|GG0006:Last = a|};
                    return a * a;
                }
            """) },

        // GG0007: signatures
        { "GG0007 return type", InClass("""
                [Differentiable]
                public static {|GG0007:int|} F(double a) => 1;
            """) },
        { "GG0007 void", InClass("""
                [Differentiable]
                public static {|GG0007:void|} F(double a)
                {
                }
            """) },
        { "GG0007 ref parameter", InClass("""
                [Differentiable]
                public static double F(double a, {|GG0007:ref double b|}) => a * b;
            """) },
        { "GG0007 out parameter", InClass("""
                [Differentiable]
                public static double F(double a, {|GG0007:out double b|})
                {
                    b = 1;
                    return a;
                }
            """) },
        { "GG0007 in parameter", InClass("""
                [Differentiable]
                public static double F(double a, {|GG0007:in double b|}) => a * b;
            """) },
        { "GG0007 generic method", InClass("""
                [Differentiable]
                public static double F{|GG0007:<T>|}(double a) => a * a;
            """) },
        { "GG0007 generic INumber<T> method: one diagnostic for one cause", InClass("""
                [Differentiable]
                public static T F{|GG0007:<T>|}(T a, T b) where T : System.Numerics.INumber<T> => a * b + a;
            """) },
        { "GG0007 no differentiable parameter", InClass("""
                [Differentiable]
                public static double {|GG0007:F|}(int n, [NoGradient] double a) => a * n;
            """) },

        // GG0008: recursion, direct or through other methods (each method in the cycle, at its call)
        { "GG0008 direct", InClass("""
                [Differentiable]
                public static double F(double a) => {|GG0008:F(a * 0.5)|} + a;
            """) },
        { "GG0008 mutual", InClass("""
                [Differentiable]
                public static double F(double a) => {|GG0008:G(a)|} + a;

                [Differentiable]
                public static double G(double a) => {|GG0008:F(a)|} * 2;
            """) },
        { "GG0008 three methods", InClass("""
                [Differentiable]
                public static double F(double a) => {|GG0008:G(a)|} + a;

                [Differentiable]
                public static double G(double a) => {|GG0008:H(a)|} * 2;

                [Differentiable]
                public static double H(double a) => {|GG0008:F(a)|} * a;
            """) },

        // GG0010: parameters without influence (info, faded)
        { "GG0010 unused", InClass("""
                [Differentiable]
                public static double F(double a, double {|GG0010:b|}) => a * 2;
            """) },
        { "GG0010 unused tensor", InClass("""
                [Differentiable]
                public static double F(Tensor<double> x, Tensor<double> {|GG0010:w|}) => Ops.Sum(x);
            """) },
        { "GG0010 only feeds dead code", InClass("""
                [Differentiable]
                public static double F(double a, double {|GG0010:b|})
                {
                    var unused = b * 2;
                    return a * a;
                }
            """) },
    };

    [Theory]
    [MemberData(nameof(Located))]
    public Task Reported_at_the_construct(string name, string source)
    {
        _ = name;
        return Verify.Analyzer(source);
    }

    /// <summary>(source with {|#0:…|} and possibly {|#1:…|} for the additional location, ID, whole message).</summary>
    public static TheoryData<string, string, string> Messages => new()
    {
        { """
            public static class {|#0:C|}
            {
                [Differentiable]
                public static double Loss(double a) => a * a;
            }
            """, "GG0001",
            "'C' must be declared partial so GradGen can add the backward pass of [Differentiable] method 'Loss'" },
        { InClass("""
                [Differentiable]
                public static double {|#0:Loss|}(double a) => a * a;

                public static double {|#1:LossBackward|}(double a) => 2 * a;
            """), "GG0002",
            "[Differentiable] method 'Loss' cannot get its backward pass: the generated member 'LossBackward' would clash with an existing member; rename one of them" },
        { InClass("""
                [Differentiable]
                public static double {|#0:Loss|}(double a) => a * a;

                private static int {|#1:LossTape|};
            """), "GG0002",
            "[Differentiable] method 'Loss' cannot get its backward pass: the generated member 'LossTape' would clash with an existing member; rename one of them" },
        { InClass("""
                [Differentiable]
                public static double {|#0:Loss|}(double a) => a * a;

                public static double {|#1:LossForward|} => 1;
            """), "GG0002",
            "[Differentiable] method 'Loss' cannot get its backward pass: the generated member 'LossForward' would clash with an existing member; rename one of them" },
        { InClass("""
                [Differentiable]
                public static double {|#0:Loss|}(double a) => a * a;

                public static void {|#1:LossPullback|}() { }
            """), "GG0002",
            "[Differentiable] method 'Loss' cannot get its backward pass: the generated member 'LossPullback' would clash with an existing member; rename one of them" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a)
                {
                    var s = a;
                    {|#0:for (var i = 0; i < 3; i += 2) s = s * a;|}
                    return s;
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: this form of loop (write 'for (int i = lo; i < hi; i++)', 'while (condition)' or 'do … while (condition)') is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a)
                {
                    var s = a;
                    {|#0:try { s = s * a; } finally { }|}
                    return s;
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: a try statement is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a, int stop)
                {
                    var h = a;
                    for (int i = 0; i < 4; i++)
                    {
                        h = h * a;
                        if (i == stop) {|#0:return h;|}
                    }
                    return h;
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: a return statement inside a loop (assign the value to a local declared before the loop, 'break', and return after the loop) is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(Tensor<double> x, Tensor<double> w, Tensor<double> b, double s) => Ops.Sum(Ops.LayerNorm(x, w, b, eps: {|#0:s * 1e-5|}));
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: 's * 1e-5' as the eps of Ops.LayerNorm (it depends on differentiated inputs, but LayerNorm is not differentiated with respect to its eps, so the gradient through it would be lost; pass a value that does not depend on differentiated inputs, such as a constant or a [NoGradient] parameter) is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(Tensor<double> scores, Tensor<double> w)
                {
                    var scale = Ops.Mean(w) * 0.5;
                    return Ops.Sum(Ops.CausalSoftmax(scores, {|#0:scale|}) * w);
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: 'scale' as the scale of Ops.CausalSoftmax (it depends on differentiated inputs, but CausalSoftmax is not differentiated with respect to its scale, so the gradient through it would be lost; pass a value that does not depend on differentiated inputs, such as a constant or a [NoGradient] parameter) is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a) => {|#0:a switch { > 0 => a, _ => -a }|};
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: a switch is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a)
                {
                    {|#0:try { return a; } catch (Exception) { return 0; }|}
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: a try statement is not supported" },
        { InClass("""
                private static readonly object Gate = new object();

                [Differentiable]
                public static double Loss(double a)
                {
                    {|#0:lock (Gate) { return a; }|}
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: a lock statement is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a)
                {
                    Func<double, double> f = {|#0:x => x|};
                    return a;
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: a lambda is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a)
                {
                    {|#0:goto end;|}
                    {|#1:end: return a;|}
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: a goto, break or continue is not supported" },
        { """
            public static partial class C
            {
                [Differentiable]
                public static {|#0:async|} {|GG0007:System.Threading.Tasks.Task<double>|} Loss(double a)
                {
                    await System.Threading.Tasks.Task.Yield();
                    return a;
                }
            }
            """, "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: an async method (await) is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a)
                {
                    var positive = {|#0:a is > 0|};
                    return a;
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: pattern matching is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a)
                {
                    var buffer = {|#0:new double[4]|};
                    return a;
                }
            """), "GG0003", "[Differentiable] method 'Loss' cannot be differentiated: object creation (new) is not supported" },
        { InClass("""
                private static double Square(double x) => x * x;

                [Differentiable]
                public static double Loss(double a) => {|#0:Square(a)|};
            """), "GG0004",
            "[Differentiable] method 'Loss' cannot be differentiated: 'C.Square' is not marked [Differentiable] and is not a GradGen op; mark it [Differentiable] if its body is differentiable, or compute its result outside and pass it in as a [NoGradient] parameter" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a) => a * {|#0:Math.Atan(a)|};
            """), "GG0004",
            "[Differentiable] method 'Loss' cannot be differentiated: 'Math.Atan' is not marked [Differentiable] and is not a GradGen op; compute its result outside and pass it in as a [NoGradient] parameter, or write it with GradGen ops in a [Differentiable] method" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a) => {|#0:(int)a|} * a;
            """), "GG0005",
            "[Differentiable] method 'Loss' cannot be differentiated: the conversion '(int)a' to int has no useful derivative (it is zero or undefined almost everywhere), so the gradient through it would silently vanish; compute it outside and pass it in as a [NoGradient] parameter" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a) => {|#0:Math.Round(a)|} * a;
            """), "GG0005",
            "[Differentiable] method 'Loss' cannot be differentiated: 'Math.Round' has no useful derivative (it is zero or undefined almost everywhere), so the gradient through it would silently vanish; compute it outside and pass it in as a [NoGradient] parameter" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a) => {|#0:a % 1|};
            """), "GG0005",
            "[Differentiable] method 'Loss' cannot be differentiated: the remainder 'a % 1' has no useful derivative (it is zero or undefined almost everywhere), so the gradient through it would silently vanish; compute it outside and pass it in as a [NoGradient] parameter" },

        { InClass("""
                [Differentiable]
                public static double Loss(Tensor<double> x)
                {
                    {|#0:x[0] = 1|};
                    return Ops.Sum(x);
                }
            """), "GG0006",
            "[Differentiable] method 'Loss' cannot be differentiated: 'x[0] = 1' mutates an element of 'x'; assign the result to a new local instead" },
        { InClass("""
                [Differentiable]
                public static double Loss(Tensor<double> x, Tensor<double> y)
                {
                    {|#0:x += y|};
                    return Ops.Sum(x);
                }
            """), "GG0006",
            "[Differentiable] method 'Loss' cannot be differentiated: 'x += y' mutates parameter 'x' in place, and the tensor it holds may be seen elsewhere (the caller's, a member, a view, another local): write 'x = x + y', which makes a new tensor; assign the result to a new local instead" },
        { InClass("""
                [Differentiable]
                public static {|#0:int|} Loss(double a) => 1;
            """), "GG0007",
            "[Differentiable] method 'Loss' cannot be differentiated: the return type 'int' is not differentiable (supported: float, double, Tensor<float>, Tensor<double>)" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a, {|#0:ref double b|}) => a * b;
            """), "GG0007",
            "[Differentiable] method 'Loss' cannot be differentiated: parameter 'b' is passed by reference ('ref'); ref, out and in parameters are not supported: pass it by value and return results instead" },
        { InClass("""
                [Differentiable]
                public static double Loss{|#0:<T>|}(double a) => a;
            """), "GG0007",
            "[Differentiable] method 'Loss' cannot be differentiated: generic methods are not supported (GradGen differentiates float, double, Tensor<float> and Tensor<double>, not a type parameter such as a T : INumber<T>); write one method per element type" },
        { InClass("""
                [Differentiable]
                public static double {|#0:Loss|}(int n, string s) => 1;
            """), "GG0007",
            "[Differentiable] method 'Loss' cannot be differentiated: it has no differentiable parameter (supported: float, double, Tensor<float>, Tensor<double>, without [NoGradient])" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a) => {|#0:Loss(a / 2)|} + a;
            """), "GG0008", "[Differentiable] method 'Loss' cannot be differentiated: it calls itself through 'Loss', and recursion is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a) => {|#0:G(a)|} + a;

                [Differentiable]
                public static double G(double a) => {|#1:H(a)|};

                [Differentiable]
                public static double H(double a) => {|#2:Loss(a)|} * a;
            """), "GG0008", "[Differentiable] method 'Loss' cannot be differentiated: it calls itself through 'G → H → Loss', and recursion is not supported" },
        { InClass("""
                [Differentiable]
                public static double Loss(double a, double {|#0:b|}) => a;
            """), "GG0010",
            "Parameter 'b' of [Differentiable] method 'Loss' does not influence the result, so its gradient is always zero; mark it [NoGradient] or use it" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public Task Message_names_the_construct_the_reason_and_the_method(string source, string id, string message)
    {
        // Markup #0 is the diagnostic under test; #1 is its additional location for GG0002 (the clashing member).
        // Any other marked span (#1, #2 elsewhere) is a further diagnostic of the same ID whose message is not under test.
        var expected = Verify.Diagnostic(id).WithLocation(0).WithMessage(message);
        var others = new System.Collections.Generic.List<DiagnosticResult> { id == "GG0002" ? expected.WithLocation(1) : expected };
        if (id != "GG0002")
        {
            for (var i = 1; source.Contains("{|#" + i + ":"); i++) others.Add(Verify.Diagnostic(id).WithLocation(i));
        }
        return Verify.Analyzer(source, others.ToArray());
    }

    [Fact]
    public Task Early_returns_copying_the_rest_onto_too_many_paths_are_rejected_at_the_first_if_of_the_chain()
    {
        // Each if returns on one of its inner paths only: the code after it is lowered on both of its paths, so ten in a
        // row would lower the final return 2¹⁰ times. Lower stops at its budget (Lowerer.PathBudget) and says why.
        static string If(int i) => "if (n > " + i + ") { if (n == " + (i + 20) + ") return a * " + i + "; }\n";
        var ifs = "{|#0:" + If(0).TrimEnd('\n') + "|}\n" + string.Concat(Enumerable.Range(1, 9).Select(If));
        return Verify.Analyzer(InClass("[Differentiable]\npublic static double Loss(double a, int n)\n{\n" + ifs + "return a;\n}\n"),
            Verify.Diagnostic("GG0003").WithLocation(0).WithMessage("[Differentiable] method 'Loss' cannot be differentiated: early returns that make GradGen copy the rest of the method onto too many paths (an if that returns on only some of its paths has the code after it copied into both of its branches; return on every path of such an if, or join the conditions: if (a && b) return x;) is not supported"));
    }

    [Fact]
    public Task More_early_returns_in_a_row_than_the_nesting_limit_are_rejected_at_the_first_beyond_it()
    {
        static string If(int i) => "if (n == " + i + ") return a * " + i + ";";
        var ifs = string.Concat(Enumerable.Range(0, 70).Select(i => (i == 64 ? "{|#0:" + If(i) + "|}" : If(i)) + "\n"));
        return Verify.Analyzer(InClass("[Differentiable]\npublic static double Loss(double a, int n)\n{\n" + ifs + "return a;\n}\n"),
            Verify.Diagnostic("GG0003").WithLocation(0).WithMessage("[Differentiable] method 'Loss' cannot be differentiated: more than 64 early returns on one path (each nests the rest of the method one level deeper; assign the value to a local and return once) is not supported"));
    }

    [Fact]
    public Task GG0009_points_at_the_call_with_the_problem_inside_the_callee_as_additional_location() => Verify.Analyzer(
        InClass("""
                [Differentiable]
                public static double Loss(double a) => {|#0:Inner(a)|} * a;

                [Differentiable]
                public static double Inner(double a)
                {
                    var s = a;
                    {|#1:try { s = s * 2; } finally { }|}
                    return s;
                }
            """),
        Verify.Diagnostic("GG0009").WithLocation(0).WithLocation(1)
            .WithMessage("[Differentiable] method 'Loss' cannot be differentiated: it calls 'Inner', which cannot be differentiated itself (see the diagnostics on 'Inner')"),
        Verify.Diagnostic("GG0003").WithLocation(1));

    [Fact]
    public Task GG0009_when_the_callee_type_is_not_partial() => Verify.Analyzer(
        """
        public static partial class C
        {
            [Differentiable]
            public static double Loss(double a) => {|#0:Helpers.Square(a)|} + a;
        }

        public static class {|#1:Helpers|}
        {
            [Differentiable]
            public static double Square(double a) => a * a;
        }
        """,
        Verify.Diagnostic("GG0009").WithLocation(0).WithLocation(1),
        Verify.Diagnostic("GG0001").WithLocation(1));

    [Fact]
    public Task GG0009_when_the_callee_calls_a_self_recursive_method() => Verify.Analyzer(
        InClass("""
                [Differentiable]
                public static double Loss(double a) => {|#0:G(a)|} + a;

                [Differentiable]
                public static double G(double a) => {|#1:G(a / 2)|} * a;
            """),
        Verify.Diagnostic("GG0009").WithLocation(0).WithLocation(1),
        Verify.Diagnostic("GG0008").WithLocation(1));

    [Fact]
    public Task Methods_without_the_attribute_are_not_analysed() => Verify.Analyzer(InClass("""
                public static double F(double a)
                {
                    var s = a;
                    for (var i = 0; i < 3; i++) s = s * a;
                    return (int)s;
                }
            """));
}
