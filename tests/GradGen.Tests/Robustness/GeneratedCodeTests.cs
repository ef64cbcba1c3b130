using System;
using System.Collections.Generic;
using System.Linq;
using GradGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace GradGen.Tests.Robustness;

/// <summary>
/// "The generated code compiles" over the dimensions a declaration has: caller × callee accessibility (public, internal,
/// protected, private protected, protected internal, private), static and instance methods, nested, generic, struct and
/// unsafe containing types, file-local types, and parameters that pass through (dynamic, pointers, function pointers,
/// ref structs, nullable, params, in) and passive arguments (literals, integer arithmetic, enums, strings, null). All of
/// it is one batch (one compilation, one generator run, one analyzer run) on a 1 MiB thread, checked with the contract of
/// <see cref="RobustnessCheck"/> plus the compiled generated code, and each target's expected outcome.
/// </summary>
public sealed class GeneratedCodeTests
{
    private readonly ITestOutputHelper _output;

    public GeneratedCodeTests(ITestOutputHelper output) => _output = output;

    private static readonly string[] Accessibilities = { "public", "internal", "protected", "private protected", "protected internal", "private" };

    private static string Id(string accessibility) => string.Concat(accessibility.Split(' ').Select(w => char.ToUpperInvariant(w[0]) + w.Substring(1)));

    /// <summary>A type holding one callee per accessibility and one caller per (caller, callee) accessibility pair.</summary>
    private static string Matrix(string header, string footer, string[] accessibilities, bool isStatic)
    {
        var s = isStatic ? " static" : "";
        var members = new List<string>();
        foreach (var callee in accessibilities)
        {
            members.Add($"    [Differentiable] {callee}{s} double G{Id(callee)}(double x, int n) => x * x * n;");
            foreach (var caller in accessibilities)
            {
                members.Add($"    [Differentiable] {caller}{s} double F{Id(caller)}_{Id(callee)}(double a) => G{Id(callee)}(a, 3) + a;");
            }
        }
        return header + "\n{\n" + string.Join("\n", members) + "\n}" + footer + "\n";
    }

    private static readonly string[] StaticClassAccessibilities = { "public", "internal", "private" };

    /// <summary>Sources, and per target name the outcome expected ("generated" or a GG ID); unlisted targets must be generated.</summary>
    private static readonly (RobustSource Source, Dictionary<string, string> Expected)[] Sources =
    {
        (Source("StaticClass", Matrix("public static partial class C", "", StaticClassAccessibilities, isStatic: true)), new()),
        (Source("InternalStaticClass", Matrix("internal static partial class C", "", StaticClassAccessibilities, isStatic: true)), new()),
        (Source("InstanceClass", Matrix("public partial class C", "", Accessibilities, isStatic: false)), new()),
        (Source("StaticMethodsOfAClass", Matrix("public partial class C", "", Accessibilities, isStatic: true)), new()),
        (Source("Nested", Matrix("public partial class Outer\n{\n    protected internal partial class C", "\n}", Accessibilities, isStatic: true)), new()),
        (Source("NestedPrivate", Matrix("public partial class Outer\n{\n    private partial class C", "\n}", Accessibilities, isStatic: false)), new()),
        (Source("Generic", Matrix("public partial class Box<T> where T : struct", "", Accessibilities, isStatic: false)), new()),
        (Source("GenericNested", Matrix("public static partial class Outer<TOuter>\n{\n    public partial class C<T> where T : class", "\n}", Accessibilities, isStatic: true)), new()),
        (Source("Struct", Matrix("public partial struct S", "", StaticClassAccessibilities, isStatic: false)), new()),
        (Source("RecordStruct", Matrix("internal partial record struct R(int Id)", "", StaticClassAccessibilities, isStatic: false)), new()),
        (Source("Record", Matrix("public partial record R(int Id)", "", Accessibilities, isStatic: true)), new()),
        (Source("UnsafeClass", Matrix("public unsafe partial class U", "", Accessibilities, isStatic: false)), new()),
        (Source("AcrossTypes", """
            public partial class Outer
            {
                private static partial class Hidden { [Differentiable] public static double Sq(double x) => x * x; }
                public static partial class Visible { [Differentiable] public static double Sq(double x) => x * x; }
                internal partial class Inner { [Differentiable] private static double Sq(double x) => x * x; [Differentiable] public static double Use(double x) => Sq(x) + Outer.Hidden.Sq(x); }

                private static partial class Hidden2 { [Differentiable] public static double Use(double x) => Hidden.Sq(x) * x; }

                [Differentiable] public static double CallsHidden(double a) => Hidden.Sq(a) + a;
                [Differentiable] public static double CallsVisible(double a) => Visible.Sq(a) + a;
                [Differentiable] private static double PrivateCallsHidden(double a) => Hidden.Sq(a) + a;
            }

            public partial class Base { protected static partial class H { [Differentiable] public static double Sq(double x) => x * x; } }
            public partial class Derived : Base
            {
                [Differentiable] public static double CallsProtectedType(double a) => H.Sq(a);
                [Differentiable] protected static double Helper(double x) => x * x;
            }
            public partial class MoreDerived : Derived { [Differentiable] public static double CallsProtectedMethod(double a) => Helper(a) * a; }

            file static partial class FileLocal { [Differentiable] public static double F(double x) => x * x; }
            """), new()
        {
            // The tape of a method of a private (or protected) nested type cannot be a field of a tape outside that type: rejected, not broken code.
            ["CallsHidden"] = "GG0003", ["PrivateCallsHidden"] = "GG0003", ["CallsProtectedType"] = "GG0003", ["Use"] = "GG0003",
            ["F"] = "GG0007",
        }),
        (Source("PassThrough", """
            public enum Mode { A, B = 7 }

            public static partial class P
            {
                [Differentiable] public static double Dyn(double x, dynamic options) => x * x;
                [Differentiable] public static double DynCaller(double x, dynamic options) => Dyn(x, options) * x;
                [Differentiable] public static double Span(double x, ReadOnlySpan<double> s) => x * x;
                [Differentiable] public static double SpanCaller(double x, ReadOnlySpan<double> s) => Span(x, s) + x;
                [Differentiable] public static double Nullable(double x, int? n, string? name) => x * x;
                [Differentiable] public static double NullableCaller(double x) => Nullable(x, 3, "s") + Nullable(x, null, null);
                [Differentiable] public static double Params(double x, params int[] ns) => x * x;
                [Differentiable] public static double In(in double x) => x * x;
                [Differentiable] public static unsafe double UnsafeMethod(double x, int* p) => x * 2;
                [Differentiable] public static unsafe double UnsafeCaller(double x, int* p) => UnsafeMethod(x, p) + x;
                [Differentiable] public static unsafe double FunctionPointer(double x, delegate*<double, double> f) => x * x;
                [Differentiable] public static unsafe double PointerArray(double x, int*[] p) => x * x;

                [Differentiable] public static double G(double x, int n) => x * n;
                [Differentiable] public static double K(double x) => G(x, 3);
                [Differentiable] public static double Arithmetic(double x, int n) => G(x, n * 2 + 1) + G(x, -n) + G(x, (int)(long)n) + G(x, checked(n + 1));
                [Differentiable] public static double Local(double x, int n) { var k = n + 1; var m = k * k; return G(x, m) * m; }
                [Differentiable] public static double Various(double x, long l, char c, bool b, string s, Mode m, decimal d, object o) => x * l;
                [Differentiable] public static double VariousCaller(double x) => Various(x, 1L << 40, 'q', true && !false, "a\"b", Mode.B, 0.1m, 42) + Various(x, -1, '\n', 1 < 2, null!, (Mode)3, -2.5m, "o");
                [Differentiable] public static double Scaled(double x, int n) => x * (n * 2);
            }
            """), new()
        {
            ["In"] = "GG0007",
            // A dynamic argument makes the call dynamically bound: no [Differentiable] method is known at compile time.
            ["DynCaller"] = "GG0003",
        }),
    };

    private static RobustSource Source(string name, string body) =>
        RobustSource.InNamespace("GeneratedCode", name, "Gc" + name, Harness.Usings + "namespace " + name + ";\n\n" + body);

    private static readonly Lazy<RobustnessCheck.Report> Result = new(() =>
    {
        var options = new RobustnessCheck.Options(CheckGeneratedCode: true);
        return Isolated.Run("GeneratedCode", token => RobustnessCheck.Check(Sources.Select(s => s.Source).ToList(), token, options)).Result;
    });

    [Fact]
    public void Generated_code_compiles_for_every_accessibility_container_and_parameter_kind()
    {
        var report = Result.Value;
        _output.WriteLine(report.Counts);
        Assert.True(report.Crashes.Count == 0, string.Join("\n", report.Crashes));
        Assert.True(report.Silent.Count == 0, string.Join("\n\n", report.Silent.Take(5)));
        Assert.True(report.Disagreements.Count == 0, string.Join("\n\n", report.Disagreements.Take(5)));
        Assert.True(report.GeneratedErrors.Count == 0, report.GeneratedErrors.Count + " generated files do not compile:\n\n" + string.Join("\n\n", report.GeneratedErrors.Take(3)));
        Assert.True(report.GeneratedChecked > 400, "only " + report.GeneratedChecked + " backwards were compiled");
    }

    [Fact]
    public void Each_target_gets_the_expected_outcome()
    {
        var report = Result.Value;
        var wrong = new List<string>();
        foreach (var (source, expected) in Sources)
        {
            var outcomes = report.Outcomes.Where(o => o.StartsWith(source.ToString() + ":", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(outcomes);
            foreach (var outcome in outcomes)
            {
                var name = outcome.Substring(outcome.IndexOf('\'') + 1);
                name = name.Substring(0, name.IndexOf('\''));
                var want = expected.TryGetValue(name, out var id) ? id : "generated";
                var got = outcome.Substring(outcome.IndexOf('→') + 2);
                if (want == "generated" ? got != "generated" : !got.StartsWith("no backward, " + want, StringComparison.Ordinal)) wrong.Add(outcome + "   (expected " + want + ")");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
