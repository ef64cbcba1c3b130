using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GradGen.Tests.Generator;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Robustness;

/// <summary>
/// The inputs of the robustness suite. Seeds are real code (the samples, the rule-table cases) and hand-written
/// adversarial sources; the tests derive broken variants from them. Hand-written sources say <c>namespace NS</c>, which
/// <see cref="RobustSource.Namespaced"/> makes unique per source.
/// </summary>
public static class Corpus
{
    public const int Seed = 20_250_301;

    private const string U = Harness.Usings;

    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GradGen.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("GradGen.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The sample sources, read from the repository so the suite follows them as they change.</summary>
    public static IReadOnlyList<(string Name, string Text)> Samples { get; } = new[]
    {
        ("Mlp", File.ReadAllText(Path.Combine(RepositoryRoot, "samples", "GradGen.Samples.Mlp", "Mlp.cs"))),
        ("SeedExamples", File.ReadAllText(Path.Combine(RepositoryRoot, "samples", "GradGen.Samples.Seed", "Examples.cs"))),
    };

    private const string RuleHelpers = """

        public static partial class Helpers
        {
            [Differentiable]
            public static double Layer(Tensor<double> x, Tensor<double> w, double s) => Ops.Mean(Ops.Tanh(Ops.MatMul(x, w) * s));

            [Differentiable]
            public static double Scale(double s) => s * s;
        }
        """;

    /// <summary>Every case of <see cref="RuleGradientTests.Cases"/>, as the file that test compiles (with its helpers where it calls them).</summary>
    public static IEnumerable<(string Name, string Text)> RuleCases =>
        RuleGradientTests.Cases.Select(c => (c.Name, U + "namespace NS;\n\npublic static partial class " + c.Name + "\n{\n    [Differentiable]\n    public static " + c.Method + "\n}\n" +
            (c.Method.Contains("Helpers.", StringComparison.Ordinal) ? RuleHelpers : "")));

    private static string InClass(string members, string type = "public static partial class C") =>
        U + "namespace NS;\n\n" + type + "\n{\n" + members + "\n}\n";

    /// <summary>Hand-written sources: wrong targets, odd containers, odd signatures and bodies. Each is one source.</summary>
    public static IEnumerable<(string Category, string Name, string[] Files, bool Alone)> Constructs()
    {
        // ── the attribute on the wrong target ──
        yield return ("WrongTarget", "Class", new[] { U + "namespace NS;\n[Differentiable] public partial class C { public static double F(double x) => x; }" }, false);
        yield return ("WrongTarget", "Struct", new[] { U + "namespace NS;\n[Differentiable] public partial struct S { }" }, false);
        yield return ("WrongTarget", "Property", new[] { InClass("[Differentiable] public static double P => 1.0;") }, false);
        yield return ("WrongTarget", "Field", new[] { InClass("[Differentiable] public static double f;") }, false);
        yield return ("WrongTarget", "Event", new[] { InClass("[Differentiable] public static event Action? E;") }, false);
        yield return ("WrongTarget", "Parameter", new[] { InClass("[Differentiable] public static double F([Differentiable] double x) => x * x;") }, false);
        yield return ("WrongTarget", "ReturnValue", new[] { InClass("[return: Differentiable] public static double F(double x) => x * x;") }, false);
        yield return ("WrongTarget", "MethodTargetSpecifier", new[] { InClass("[method: Differentiable] public static double F(double x) => x * x;") }, false);
        yield return ("WrongTarget", "TypeParameter", new[] { InClass("public static double F<[Differentiable] T>(double x) => x * x;") }, false);
        yield return ("WrongTarget", "Delegate", new[] { U + "namespace NS;\n[Differentiable] public delegate double D(double x);" }, false);
        yield return ("WrongTarget", "Enum", new[] { U + "namespace NS;\npublic enum E { [Differentiable] A }" }, false);
        yield return ("WrongTarget", "Assembly", new[] { U + "[assembly: Differentiable]\nnamespace NS;\npublic static partial class C { }" }, false);
        yield return ("WrongTarget", "LocalFunction", new[] { InClass("public static double M(double x)\n{\n    [Differentiable] static double G(double y) => y * y;\n    return G(x);\n}") }, false);
        yield return ("WrongTarget", "LocalFunctionInDifferentiable", new[] { InClass("[Differentiable] public static double M(double x)\n{\n    [Differentiable] double G(double y) => y * y;\n    return G(x);\n}") }, false);
        yield return ("WrongTarget", "Lambda", new[] { InClass("public static Func<double, double> M() => [Differentiable] (double y) => y * y;") }, false);
        yield return ("WrongTarget", "LambdaLocal", new[] { InClass("public static double M(double x)\n{\n    var f = [Differentiable] static (double y) => Math.Sin(y);\n    return f(x);\n}") }, false);
        yield return ("WrongTarget", "LambdaExpressionTree", new[] { U + "using System.Linq.Expressions;\nnamespace NS;\npublic static partial class C\n{\n    public static Expression<Func<double, double>> E = [Differentiable] (double y) => y * y;\n}" }, false);
        yield return ("WrongTarget", "AnonymousMethod", new[] { InClass("public static Func<double, double> M() => [Differentiable] delegate (double y) { return y * y; };") }, false);
        yield return ("WrongTarget", "Abstract", new[] { U + "namespace NS;\npublic abstract partial class C\n{\n    [Differentiable] public abstract double F(double x);\n}" }, false);
        yield return ("WrongTarget", "Virtual", new[] { U + "namespace NS;\npublic partial class C\n{\n    [Differentiable] public virtual double F(double x) => x * x;\n}\npublic partial class D : C\n{\n    [Differentiable] public override double F(double x) => x * x * x;\n}" }, false);
        yield return ("WrongTarget", "Extern", new[] { InClass("[Differentiable] [System.Runtime.InteropServices.DllImport(\"m\")] public static extern double F(double x);") }, false);
        yield return ("WrongTarget", "PartialDefinitionOnly", new[] { InClass("[Differentiable] public static partial double F(double x);") }, false);
        yield return ("WrongTarget", "PartialAttributeOnDefinition", new[] { InClass("[Differentiable] public static partial double F(double x);\npublic static partial double F(double x) => x * x;") }, false);
        yield return ("WrongTarget", "PartialAttributeOnImplementation", new[] { InClass("public static partial double F(double x);\n[Differentiable] public static partial double F(double x) => x * x;") }, false);
        yield return ("WrongTarget", "PartialPrivateVoid", new[] { InClass("[Differentiable] static partial void F(double x);") }, false);
        yield return ("WrongTarget", "PartialAcrossFiles", new[] { InClass("[Differentiable] public static partial double F(double x);"), InClass("public static partial double F(double x) => Math.Exp(x);") }, false);
        yield return ("WrongTarget", "InterfaceMember", new[] { U + "namespace NS;\npublic partial interface I\n{\n    [Differentiable] double F(double x);\n}" }, false);
        yield return ("WrongTarget", "InterfaceDefaultMember", new[] { U + "namespace NS;\npublic partial interface I\n{\n    [Differentiable] double F(double x) => x * x;\n}" }, false);
        yield return ("WrongTarget", "InterfaceStatic", new[] { U + "namespace NS;\npublic partial interface I\n{\n    [Differentiable] static double F(double x) => x * x;\n}" }, false);
        yield return ("WrongTarget", "InterfaceStaticAbstract", new[] { U + "namespace NS;\npublic partial interface I\n{\n    [Differentiable] static abstract double F(double x);\n}" }, false);
        yield return ("WrongTarget", "Constructor", new[] { InClass("[Differentiable] public C(double x) { }", "public partial class C") }, false);
        yield return ("WrongTarget", "StaticConstructor", new[] { InClass("[Differentiable] static C() { }", "public partial class C") }, false);
        yield return ("WrongTarget", "PrimaryConstructor", new[] { U + "namespace NS;\n[method: Differentiable] public partial class C(double x) { public double X => x; }" }, false);
        yield return ("WrongTarget", "Operator", new[] { InClass("[Differentiable] public static double operator +(C a, double b) => b * b;", "public partial class C") }, false);
        yield return ("WrongTarget", "ConversionOperator", new[] { InClass("[Differentiable] public static explicit operator double(C c) => 1.0;", "public partial class C") }, false);
        yield return ("WrongTarget", "Destructor", new[] { InClass("[Differentiable] ~C() { }", "public partial class C") }, false);
        yield return ("WrongTarget", "Getter", new[] { InClass("public static double P { [Differentiable] get => 1.0; }") }, false);
        yield return ("WrongTarget", "Setter", new[] { InClass("public static double P { get; [Differentiable] set; }") }, false);
        yield return ("WrongTarget", "IndexerGetter", new[] { InClass("public double this[double x] { [Differentiable] get => x * x; }", "public partial class C") }, false);
        yield return ("WrongTarget", "EventAccessor", new[] { InClass("public static event Action E { [Differentiable] add { } remove { } }") }, false);
        yield return ("WrongTarget", "Duplicate", new[] { InClass("[Differentiable, Differentiable] public static double F(double x) => x * x;") }, false);
        yield return ("WrongTarget", "WithArguments", new[] { InClass("[Differentiable(1)] public static double F(double x) => x * x;") }, false);
        yield return ("WrongTarget", "WithNamedArgument", new[] { InClass("[Differentiable(Order = 2)] public static double F(double x) => x * x;") }, false);
        yield return ("WrongTarget", "Qualified", new[] { InClass("[GradGen.Differentiable] public static double F(double x) => x * x;\n[global::GradGen.DifferentiableAttribute()] public static double G(double x) => x * x;") }, false);
        yield return ("WrongTarget", "Alias", new[] { "using D = GradGen.DifferentiableAttribute;\n" + InClass("[D] public static double F(double x) => x * x;") }, false);
        yield return ("WrongTarget", "OtherDifferentiableAttribute", new[] { InClass("[Mine.Differentiable] public static double F(double x) => x * x;"), "namespace NS.Mine { public sealed class DifferentiableAttribute : System.Attribute { } }\n" }, false);
        yield return ("WrongTarget", "ShadowingGradGenAttribute", new[] { InClass("[Differentiable] public static double F(double x) => x * x;") + "namespace GradGen { public sealed class DifferentiableAttribute : System.Attribute { } }\n" }, true);
        yield return ("WrongTarget", "ConditionalOut", new[] { InClass("#if NEVER\n[Differentiable]\n#endif\npublic static double F(double x) => x * x;") }, false);

        // ── containers ──
        yield return ("Container", "GenericType", new[] { InClass("[Differentiable] public static double F(double x) => x * x;", "public static partial class G<T>") }, false);
        yield return ("Container", "GenericTypeConstrained", new[] { InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x) => x * x;", "public partial class G<T, U> where T : class, new() where U : struct, IComparable<U>") }, false);
        yield return ("Container", "GenericTypeUsesT", new[] { InClass("[Differentiable] public static double F(double x, T t) => x * x;", "public static partial class G<T>") }, false);
        yield return ("Container", "NestedGeneric", new[] { U + "namespace NS;\npublic static partial class Outer<T>\n{\n    public static partial class Inner<U>\n    {\n        [Differentiable] public static double F(double x) => Math.Sin(x);\n    }\n}" }, false);
        yield return ("Container", "Nested", new[] { U + "namespace NS;\npublic static partial class A\n{\n    private static partial class B\n    {\n        internal static partial class C\n        {\n            [Differentiable] internal static double F(double x) => Math.Sin(x) * x;\n        }\n    }\n}" }, false);
        yield return ("Container", "NestedInNonPartial", new[] { U + "namespace NS;\npublic static class A\n{\n    public static partial class B\n    {\n        [Differentiable] public static double F(double x) => x * x;\n    }\n}" }, false);
        yield return ("Container", "NotPartial", new[] { InClass("[Differentiable] public static double F(double x) => x * x;", "public static class C") }, false);
        yield return ("Container", "NotPartialInOneFile", new[] { InClass("[Differentiable] public static double F(double x) => x * x;", "public static partial class C"), InClass("public static double G(double x) => x;", "public static class C") }, false);
        yield return ("Container", "Record", new[] { U + "namespace NS;\npublic partial record R(double Scale)\n{\n    [Differentiable] public double F(double x) => x * x;\n}" }, false);
        yield return ("Container", "RecordStruct", new[] { U + "namespace NS;\npublic readonly partial record struct R(double Scale)\n{\n    [Differentiable] public static double F(double x) => x * x;\n}" }, false);
        yield return ("Container", "Struct", new[] { InClass("[Differentiable] public double F(double x) => x * x;", "public partial struct S") }, false);
        yield return ("Container", "ReadonlyStruct", new[] { InClass("[Differentiable] public double F(double x) => x * x;", "public readonly partial struct S") }, false);
        yield return ("Container", "RefStruct", new[] { InClass("[Differentiable] public double F(double x) => x * x;", "public ref partial struct S") }, false);
        yield return ("Container", "InstanceMethod", new[] { InClass("[Differentiable] public double F(double x) => x * x;\n[Differentiable] public double G(double x) => F(x) + x;", "public sealed partial class C") }, false);
        yield return ("Container", "ProtectedInternal", new[] { InClass("[Differentiable] protected internal double F(double x) => x * x;\n[Differentiable] private protected static double G(double x) => x;", "public abstract partial class C") }, false);
        yield return ("Container", "BlockNamespace", new[] { U + "namespace NS\n{\n    namespace Inner.Deeper\n    {\n        public static partial class C\n        {\n            [Differentiable] public static double F(double x) => x * x;\n        }\n    }\n}" }, false);
        yield return ("Container", "GlobalNamespace", new[] { U + "public static partial class RobustGlobalC\n{\n    [Differentiable] public static double F(double x) => x * x;\n}" }, true);
        yield return ("Container", "FileLocal", new[] { InClass("[Differentiable] public static double F(double x) => x * x;", "file static partial class C") }, false);
        yield return ("Container", "Extension", new[] { U + "namespace NS;\npublic static partial class E\n{\n    extension(double d)\n    {\n        [Differentiable] public double F(double x) => x * d;\n        [Differentiable] public static double G(double x) => x * x;\n    }\n}" }, false);
        yield return ("Container", "KeywordNames", new[] { U + "namespace NS.@class;\npublic static partial class @class\n{\n    [Differentiable] public static double @return(double @in, double @double) => @in * @double;\n}" }, false);
        yield return ("Container", "KeywordTypeParameter", new[] { InClass("[Differentiable] public static double F(double x) => x * x;", "public static partial class G<@class>") }, false);
        yield return ("Container", "UnicodeNames", new[] { U + "namespace NS.Ünïcode;\npublic static partial class Ωmega\n{\n    [Differentiable] public static double Λ(double δ, double \\u0078) => δ * x + Math.Sin(δ);\n}" }, false);
        yield return ("Container", "LongNames", new[] { InClass("[Differentiable] public static double " + new string('F', 2000) + "(double " + new string('x', 2000) + ") => " + new string('x', 2000) + " * 2;", "public static partial class " + new string('C', 2000)) }, false);
        yield return ("Container", "CaseOnlyDifferentMethods", new[] { InClass("[Differentiable] public static double F(double x) => x * x;\n[Differentiable] public static double f(double x) => x * x * x;") }, false);
        yield return ("Container", "CaseOnlyDifferentTypes", new[] { U + "namespace NS;\npublic static partial class C { [Differentiable] public static double F(double x) => x * x; }\npublic static partial class c { [Differentiable] public static double F(double x) => x * x * x; }" }, false);
        yield return ("Container", "TypeAndNamespaceSameDottedName", new[] { U + "namespace NS.A\n{\n    public static partial class B { [Differentiable] public static double F(double x) => x * x; }\n}\nnamespace NS\n{\n    public static partial class A\n    {\n        public static partial class B { [Differentiable] public static double F(double x) => x * x * x; }\n    }\n}" }, false);
        yield return ("Container", "GenericArityOverloads", new[] { U + "namespace NS;\npublic static partial class C { [Differentiable] public static double F(double x) => x * x; }\npublic static partial class C<T> { [Differentiable] public static double F(double x) => x * x * x; }\npublic static partial class C<T, U> { [Differentiable] public static double F(double x) => x; }" }, false);
        yield return ("Container", "TopLevelStatements", new[] { U + "var y = G(2.0);\nConsole.WriteLine(y);\n[Differentiable] static double G(double x) => x * x;\n" }, true);
        yield return ("Container", "TopLevelStatementsAndType", new[] { U + "Console.WriteLine(NS.C.F(2.0));\nnamespace NS\n{\n    public static partial class C { [Differentiable] public static double F(double x) => x * x; }\n}\n" }, true);

        yield return ("Container", "ShadowingTypesInside", new[] { InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x) => global::GradGen.Ops.Relu(x) * x;\n[Differentiable] public static double G(double x) => global::System.Math.Sin(x) * x;\n" +
            "public static class System { }\npublic static class GradGen { }\npublic static class Ops { }\npublic static class Adjoint { }\npublic static class Math { }", "public static partial class C") }, false);
        yield return ("Container", "GenericRecord", new[] { U + "namespace NS;\npublic sealed partial record class R<T>(T Value) where T : notnull\n{\n    [Differentiable] public static double F(double x) => x * x;\n    [Differentiable] public double G(double x) => x * 2;\n}" }, false);
        yield return ("Container", "PartialAcrossFilesCalling", new[] { InClass("[Differentiable] public static double F(double x) => Math.Sin(x) * x;"), InClass("[Differentiable] public static double G(double x) => F(x) * F(x) + x;") }, false);
        yield return ("Container", "NestedInStructInRecord", new[] { U + "namespace NS;\npublic partial record R\n{\n    public partial struct S\n    {\n        internal static partial class C\n        {\n            [Differentiable] internal static Tensor<float> F(Tensor<float> x, float s) => Ops.Tanh(x) * s;\n        }\n    }\n}" }, false);

        // ── signatures ──
        yield return ("Signature", "Ref", new[] { InClass("[Differentiable] public static double F(ref double x) => x * x;") }, false);
        yield return ("Signature", "Out", new[] { InClass("[Differentiable] public static double F(double x, out double y) { y = x; return x * x; }") }, false);
        yield return ("Signature", "In", new[] { InClass("[Differentiable] public static double F(in double x) => x * x;") }, false);
        yield return ("Signature", "RefReadonly", new[] { InClass("[Differentiable] public static double F(ref readonly double x) => x * x;") }, false);
        yield return ("Signature", "Scoped", new[] { InClass("[Differentiable] public static double F(scoped ref double x, double y) => y * y;") }, false);
        yield return ("Signature", "ParamsArray", new[] { InClass("[Differentiable] public static double F(double x, params double[] rest) => x * rest.Length;") }, false);
        yield return ("Signature", "ParamsSpan", new[] { InClass("[Differentiable] public static double F(double x, params ReadOnlySpan<double> rest) => x * x;") }, false);
        yield return ("Signature", "ParamsCallee", new[] { InClass("[Differentiable] public static double F(double x) => G(x, 1.0, 2.0);\n[Differentiable] public static double G(double x, params double[] rest) => x * x;") }, false);
        yield return ("Signature", "RefCallee", new[] { InClass("[Differentiable] public static double F(double x) { var y = x; return G(ref y); }\n[Differentiable] public static double G(ref double x) => x * x;") }, false);
        yield return ("Signature", "DefaultValues", new[] { InClass("[Differentiable] public static double F(double x, double y = 2.5, float z = float.NaN, double w = double.PositiveInfinity) => x * y + z * w;") }, false);
        yield return ("Signature", "DefaultValueCallee", new[] { InClass("[Differentiable] public static double F(double x) => G(x) + G(x, y: 3.0);\n[Differentiable] public static double G(double x, double y = 2.0) => x * y;") }, false);
        yield return ("Signature", "NamedArguments", new[] { InClass("[Differentiable] public static double F(double x, double y) => Math.Pow(y: y, x: x) + G(b: x, a: y);\n[Differentiable] public static double G(double a, double b) => a - b;") }, false);
        yield return ("Signature", "ExtensionThis", new[] { InClass("[Differentiable] public static double F(this double x) => x * x;") }, false);
        yield return ("Signature", "GenericMethod", new[] { InClass("[Differentiable] public static T F<T>(T x) => x;") }, false);
        yield return ("Signature", "GenericMethodDouble", new[] { InClass("[Differentiable] public static double F<T>(double x) => x * x;") }, false);
        yield return ("Signature", "GenericCallee", new[] { InClass("[Differentiable] public static double F(double x) => G<int>(x);\n[Differentiable] public static double G<T>(double x) => x * x;") }, false);
        yield return ("Signature", "Async", new[] { U + "using System.Threading.Tasks;\n" + InClass("[Differentiable] public static async Task<double> F(double x) { await Task.Yield(); return x * x; }").Substring(U.Length) }, false);
        yield return ("Signature", "AsyncDouble", new[] { InClass("[Differentiable] public static async double F(double x) => x * x;") }, false);
        yield return ("Signature", "Iterator", new[] { U + "using System.Collections.Generic;\n" + InClass("[Differentiable] public static IEnumerable<double> F(double x) { yield return x * x; }").Substring(U.Length) }, false);
        yield return ("Signature", "IteratorDouble", new[] { InClass("[Differentiable] public static double F(double x) { yield return x; }") }, false);
        yield return ("Signature", "UnsafePointer", new[] { InClass("[Differentiable] public static unsafe double F(double* p, double x) => *p * x;") }, false);
        yield return ("Signature", "UnsafeBody", new[] { InClass("[Differentiable] public static unsafe double F(double x) { double* p = &x; return *p * x; }") }, false);
        yield return ("Signature", "Stackalloc", new[] { InClass("[Differentiable] public static double F(double x) { Span<double> s = stackalloc double[2]; s[0] = x; return s[0] * x; }") }, false);
        yield return ("Signature", "FunctionPointer", new[] { InClass("[Differentiable] public static unsafe double F(delegate*<double, double> f, double x) => f(x);") }, false);
        yield return ("Signature", "Dynamic", new[] { InClass("[Differentiable] public static double F(double x) { dynamic d = x; return d * x; }") }, false);
        yield return ("Signature", "DynamicParameter", new[] { InClass("[Differentiable] public static dynamic F(dynamic x, double y) => x * y;") }, false);
        yield return ("Signature", "Arglist", new[] { InClass("[Differentiable] public static double F(double x, __arglist) => x * x;") }, false);
        yield return ("Signature", "ArglistBody", new[] { InClass("[Differentiable] public static double F(double x) { var r = __makeref(x); return __refvalue(r, double) * x; }") }, false);
        yield return ("Signature", "TupleReturn", new[] { InClass("[Differentiable] public static (double, double) F(double x) => (x, x * x);") }, false);
        yield return ("Signature", "RefReturn", new[] { InClass("private static double s;\n[Differentiable] public static ref double F(double x) => ref s;") }, false);
        yield return ("Signature", "VoidReturn", new[] { InClass("[Differentiable] public static void F(double x) { }") }, false);
        yield return ("Signature", "IntReturn", new[] { InClass("[Differentiable] public static int F(double x) => (int)x;") }, false);
        yield return ("Signature", "DecimalTensor", new[] { InClass("[Differentiable] public static Tensor<decimal> F(Tensor<decimal> x) => x;") }, false);
        yield return ("Signature", "HalfParameters", new[] { InClass("[Differentiable] public static Half F(Half x) => x * x;") }, false);
        yield return ("Signature", "NoParameters", new[] { InClass("[Differentiable] public static double F() => 1.0;") }, false);
        yield return ("Signature", "AllNoGradient", new[] { InClass("[Differentiable] public static double F([NoGradient] double x) => x * x;") }, false);
        yield return ("Signature", "MissingParameterName", new[] { InClass("[Differentiable] public static double F(double) => 1.0;") }, false);
        yield return ("Signature", "MissingParameterType", new[] { InClass("[Differentiable] public static double F(x) => x;") }, false);
        yield return ("Signature", "MissingReturnType", new[] { InClass("[Differentiable] public static F(double x) => x;") }, false);
        yield return ("Signature", "DuplicateParameters", new[] { InClass("[Differentiable] public static double F(double x, double x) => x * x;") }, false);
        yield return ("Signature", "GradientNamedParameters", new[] { InClass("[Differentiable] public static double F(double x, double dX, double seed, double tape, double value, double dY, double result, double t0) => x * dX * seed * tape * value * dY * result * t0;") }, false);
        yield return ("Signature", "OverloadsBothMarked", new[] { InClass("[Differentiable] public static double F(double x) => x * x;\n[Differentiable] public static float F(float x) => x * x;") }, false);
        yield return ("Signature", "NameClashMethod", new[] { InClass("[Differentiable] public static double F(double x) => x * x;\npublic static void FBackward() { }") }, false);
        yield return ("Signature", "NameClashType", new[] { InClass("[Differentiable] public static double F(double x) => x * x;\npublic struct FTape { }") }, false);
        yield return ("Signature", "NameClashField", new[] { InClass("[Differentiable] public static double F(double x) => x * x;\npublic static int FForward, FPullback;") }, false);
        yield return ("Signature", "NamedLikeGeneratedMember", new[] { InClass("[Differentiable] public static double F(double x) => x * x;\n[Differentiable] public static double FBackward(double x) => x * x;") }, false);

        yield return ("Signature", "NamedLikeGeneratedTape", new[] { InClass("[Differentiable] public static double F(double x) => x * x;\n[Differentiable] public static double FTape(double x) => x * x;") }, false);
        yield return ("Signature", "NamedLikeGeneratedForward", new[] { InClass("[Differentiable] public static double F(double x) => x * x;\n[Differentiable] public static double FForward(double x) => x * x;") }, false);
        yield return ("Signature", "ParametersNamedLikeTypes", new[] { InClass("[Differentiable] public static double F(double Math, double Ops, double System, double Adjoint, double x) => global::System.Math.Sin(x) * Math * Ops * System * Adjoint + global::System.Math.Exp(Ops);") }, false);
        yield return ("Signature", "ParametersNamedLikeContextualKeywords", new[] { InClass("[Differentiable] public static double F(double global, double var, double nameof, double value, double dynamic) => global * var * nameof * value * dynamic;") }, false);
        yield return ("Signature", "EscapedNames", new[] { InClass("[Differentiable] public static double \\u0046oo(double @x, double \\u0079) => @x * y;") }, false);
        yield return ("Signature", "TensorParametersNamedLikeTypes", new[] { InClass("[Differentiable] public static double F(Tensor<double> Tensor, Tensor<double> Ops) => global::GradGen.Ops.Sum(global::GradGen.Ops.MatMul(Tensor, Ops));") }, false);

        // ── bodies ──
        yield return ("Body", "Empty", new[] { InClass("[Differentiable] public static double F(double x) { }") }, false);
        yield return ("Body", "ReturnNothing", new[] { InClass("[Differentiable] public static double F(double x) { return; }") }, false);
        yield return ("Body", "Throw", new[] { InClass("[Differentiable] public static double F(double x) => throw new InvalidOperationException();") }, false);
        yield return ("Body", "ReturnsConstant", new[] { InClass("[Differentiable] public static double F(double x) => 1.0;") }, false);
        yield return ("Body", "ReturnsHugeConstant", new[] { InClass("[Differentiable] public static double F(double x) => x * 1e308 * 1e308 + 1.0 / 0.0 - double.NaN + double.Epsilon + (double)decimal.MaxValue + 'c' + (float)1e39;") }, false);
        yield return ("Body", "UnknownIdentifier", new[] { InClass("[Differentiable] public static double F(double x) => x * y;") }, false);
        yield return ("Body", "UnknownType", new[] { InClass("[Differentiable] public static Foo F(Bar x) => x;") }, false);
        yield return ("Body", "UnknownTensorElement", new[] { InClass("[Differentiable] public static Tensor<Unknown> F(Tensor<Unknown> x) => x * x;") }, false);
        yield return ("Body", "UnknownOp", new[] { InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x) => Ops.Nope(x);") }, false);
        yield return ("Body", "WrongArgumentCount", new[] { InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x) => Ops.MatMul(x);") }, false);
        yield return ("Body", "WrongArgumentTypes", new[] { InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x, Tensor<float> y) => Ops.MatMul(x, y) + y;") }, false);
        yield return ("Body", "MissingSemicolons", new[] { InClass("[Differentiable] public static double F(double x) { var y = x * x return y }") }, false);
        yield return ("Body", "UnbalancedBraces", new[] { InClass("[Differentiable] public static double F(double x) { { { return x; }") }, false);
        yield return ("Body", "Loop", new[] { InClass("[Differentiable] public static double F(double x) { var y = x; for (var i = 0; i < 3; i++) y = y * x; return y; }") }, false);
        yield return ("Body", "Conditional", new[] { InClass("[Differentiable] public static double F(double x) => x > 0 ? x : -x;") }, false);
        yield return ("Body", "If", new[] { InClass("[Differentiable] public static double F(double x) { if (x > 0) return x; return -x; }") }, false);
        yield return ("Body", "Switch", new[] { InClass("[Differentiable] public static double F(double x) => x switch { > 0 => x, _ => -x };") }, false);
        yield return ("Body", "Pattern", new[] { InClass("[Differentiable] public static double F(object o, double x) => o is double d ? d * x : x;") }, false);
        yield return ("Body", "Goto", new[] { InClass("[Differentiable] public static double F(double x) { goto L; L: return x * x; }") }, false);
        yield return ("Body", "GotoBackwards", new[] { InClass("[Differentiable] public static double F(double x) { L: x = x * x; if (x < 10) goto L; return x; }") }, false);
        yield return ("Body", "TryCatch", new[] { InClass("[Differentiable] public static double F(double x) { try { return x * x; } catch { return 0; } finally { } }") }, false);
        yield return ("Body", "Lock", new[] { InClass("private static readonly object Gate = new();\n[Differentiable] public static double F(double x) { lock (Gate) { return x * x; } }") }, false);
        yield return ("Body", "Using", new[] { InClass("[Differentiable] public static double F(double x) { using var s = new System.IO.MemoryStream(); return x * s.Length; }") }, false);
        yield return ("Body", "Checked", new[] { InClass("[Differentiable] public static double F(double x) => checked(x * x) + unchecked(x);") }, false);
        yield return ("Body", "Mutation", new[] { InClass("[Differentiable] public static double F(double x) { x = x * x; x += 1; x++; return x; }") }, false);
        yield return ("Body", "TensorMutation", new[] { InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x) { x[0, 0] = 1; x += x; return x; }") }, false);
        yield return ("Body", "Recursion", new[] { InClass("[Differentiable] public static double F(double x) => F(x) * x;") }, false);
        yield return ("Body", "MutualRecursion", new[] { InClass("[Differentiable] public static double F(double x) => G(x) * x;\n[Differentiable] public static double G(double x) => H(x) + x;\n[Differentiable] public static double H(double x) => F(x) - x;") }, false);
        yield return ("Body", "RecursionAcrossTypes", new[] { InClass("[Differentiable] public static double F(double x) => D.G(x) * x;"), InClass("[Differentiable] public static double G(double x) => C.F(x) + x;", "public static partial class D") }, false);
        yield return ("Body", "CalleeRejected", new[] { InClass("[Differentiable] public static double F(double x) => G(x) * x;\n[Differentiable] public static double G(double x) => Math.Round(x);") }, false);
        yield return ("Body", "CalleeNotMarked", new[] { InClass("[Differentiable] public static double F(double x) => G(x) * x;\npublic static double G(double x) => x;") }, false);
        yield return ("Body", "CalleeInNonPartialType", new[] { InClass("[Differentiable] public static double F(double x) => D.G(x) * x;") + "public static class D { [Differentiable] public static double G(double x) => x * x; }\n" }, false);
        yield return ("Body", "CalleeOnOtherInstance", new[] { InClass("[Differentiable] public double F(double x) => new C().G(x) * x;\n[Differentiable] public double G(double x) => x * x;", "public partial class C") }, false);
        yield return ("Body", "Delegate", new[] { InClass("[Differentiable] public static double F(Func<double, double> f, double x) => f(x) * x;") }, false);
        yield return ("Body", "LambdaInBody", new[] { InClass("[Differentiable] public static double F(double x) { Func<double, double> f = y => y * x; return f(x); }") }, false);
        yield return ("Body", "LocalFunctionInBody", new[] { InClass("[Differentiable] public static double F(double x) { double G(double y) => y * y; return G(x); }") }, false);
        yield return ("Body", "ObjectCreation", new[] { InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x) => Tensor.Create<double>(new double[] { 1, 2 }, new nint[] { 2 }) * x;") }, false);
        yield return ("Body", "FieldRead", new[] { InClass("private static double w = 2;\n[Differentiable] public static double F(double x) => x * w;") }, false);
        yield return ("Body", "ThisRead", new[] { InClass("private double w = 2;\n[Differentiable] public double F(double x) => x * this.w;", "public partial class C") }, false);
        yield return ("Body", "Tuple", new[] { InClass("[Differentiable] public static double F(double x) { var (a, b) = (x, x * x); return a * b; }") }, false);
        yield return ("Body", "StringInterpolation", new[] { InClass("[Differentiable] public static double F(double x) => $\"{x}\".Length * x;") }, false);
        yield return ("Body", "NameofTypeofSizeof", new[] { InClass("[Differentiable] public static double F(double x) => nameof(x).Length * x + sizeof(double) + typeof(double).Name.Length;") }, false);
        yield return ("Body", "Default", new[] { InClass("[Differentiable] public static double F(double x) => default(double) + default + x;") }, false);
        yield return ("Body", "NullForgiving", new[] { InClass("[Differentiable] public static Tensor<double> F(Tensor<double>? x) => x! * x!;") }, false);
        yield return ("Body", "IntegerConversion", new[] { InClass("[Differentiable] public static double F(double x) => (int)x * x + (long)x % 3;") }, false);
        yield return ("Body", "Comparison", new[] { InClass("[Differentiable] public static double F(double x) => (x > 1 ? 1 : 0) * x + (x == 2).GetHashCode();") }, false);
        yield return ("Body", "Await", new[] { U + "using System.Threading.Tasks;\n" + InClass("[Differentiable] public static double F(double x) { await Task.Delay(1); return x; }").Substring(U.Length) }, false);
        yield return ("Body", "LocalWithoutInitializer", new[] { InClass("[Differentiable] public static double F(double x) { double y; y = x * x; return y; }") }, false);
        yield return ("Body", "UnassignedLocal", new[] { InClass("[Differentiable] public static double F(double x) { double y; return y * x; }") }, false);
        yield return ("Body", "StatementAfterReturn", new[] { InClass("[Differentiable] public static double F(double x) { return x; x = 2; }") }, false);
        yield return ("Body", "ManyLocals", new[] { InClass("[Differentiable] public static double F(double x) { var t0 = x; var result = t0 * x; var tape = result + x; var seed = tape * tape; var dX = seed - x; var value = dX * dX; return value; }") }, false);
        yield return ("Body", "ShadowedMath", new[] { InClass("[Differentiable] public static double F(double x) => Math.Sin(x);\npublic static class Math { public static double Sin(double x) => x; }") }, false);
        yield return ("Body", "ShadowedOps", new[] { InClass("[Differentiable] public static double F(double x) => Ops.Relu(x);\npublic static class Ops { public static double Relu(double x) => x; }") }, false);
        yield return ("Body", "ShadowedTensor", new[] { InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x) => x * x;\npublic class Tensor<T> { public static Tensor<T> operator *(Tensor<T> a, Tensor<T> b) => a; }") }, false);
        yield return ("Body", "MathOverloadsInt", new[] { InClass("[Differentiable] public static double F(double x) => Math.Abs(3) * x + Math.Max(1, 2) + Math.Sign(x) + Math.Floor(x) + Math.Clamp(x, 0, 1);") }, false);
        yield return ("Body", "Preprocessor", new[] { InClass("[Differentiable] public static double F(double x)\n{\n#if DEBUG\n    return x;\n#else\n    return x * x;\n#endif\n}\n#region r\n#endregion\n#pragma warning disable CS0168\n#nullable disable") }, false);
        yield return ("Body", "PragmaError", new[] { InClass("[Differentiable] public static double F(double x) => x;\n#error stop here") }, false);
        yield return ("Body", "UnterminatedString", new[] { InClass("[Differentiable] public static double F(double x) => \"abc.Length * x;") }, false);
        yield return ("Body", "UnterminatedComment", new[] { InClass("[Differentiable] public static double F(double x) => x /* * x;") }, false);
        yield return ("Body", "RawString", new[] { InClass("[Differentiable] public static double F(double x) => \"\"\"\n    raw\n    \"\"\".Length * x;") }, false);
        yield return ("Body", "CollectionExpression", new[] { InClass("[Differentiable] public static double F(double x) { double[] a = [x, x]; return a[0] * a[1]; }") }, false);
        yield return ("Body", "NullConditional", new[] { InClass("[Differentiable] public static double F(Tensor<double>? t, double x) => (t?.Rank ?? 0) * x;") }, false);
        yield return ("Body", "WithExpression", new[] { U + "namespace NS;\npublic record P(double V);\npublic static partial class C { [Differentiable] public static double F(double x) => (new P(x) with { V = x }).V * x; }" }, false);
        yield return ("Body", "Ranges", new[] { InClass("[Differentiable] public static double F(double[] a, double x) => a[1..^1].Length * x + a[^1];") }, false);
        yield return ("Body", "ManyStatements", new[] { InClass("[Differentiable] public static double F(double x)\n{\n    var y0 = x;\n" + string.Concat(Enumerable.Range(1, 300).Select(i => $"    var y{i} = y{i - 1} * 0.5 + Math.Sin(x);\n")) + "    return y300;\n}") }, false);

        // ── missing usings ──
        yield return ("Usings", "None", new[] { "namespace NS;\npublic static partial class C { [Differentiable] public static double F(double x) => Math.Sin(x); }" }, false);
        yield return ("Usings", "NoGradGen", new[] { "using System;\nusing System.Numerics.Tensors;\nnamespace NS;\npublic static partial class C { [Differentiable] public static Tensor<double> F(Tensor<double> x) => Ops.Relu(x); }" }, false);
        yield return ("Usings", "NoTensors", new[] { "using System;\nusing GradGen;\nnamespace NS;\npublic static partial class C { [Differentiable] public static Tensor<double> F(Tensor<double> x) => Ops.Relu(x); }" }, false);
        yield return ("Usings", "NoSystem", new[] { "using System.Numerics.Tensors;\nusing GradGen;\nnamespace NS;\npublic static partial class C { [Differentiable] public static double F(double x) => Math.Sin(x) * MathF.Cos(1f); }" }, false);
        yield return ("Usings", "UsingInsideNamespace", new[] { "namespace NS\n{\n    using GradGen;\n    using System.Numerics.Tensors;\n    public static partial class C { [Differentiable] public static Tensor<double> F(Tensor<double> x) => Ops.Relu(x) * x; }\n}" }, false);
        yield return ("Usings", "UsingStatic", new[] { "using static System.Math;\nusing static GradGen.Ops;\nusing System.Numerics.Tensors;\nnamespace NS;\npublic static partial class C\n{\n    [GradGen.Differentiable] public static double F(double x) => Sin(x) * Exp(x);\n    [GradGen.Differentiable] public static Tensor<double> G(Tensor<double> x) => Relu(MatMul(x, x));\n}" }, false);
        yield return ("Usings", "Aliases", new[] { "using T = System.Numerics.Tensors.Tensor<double>;\nusing O = GradGen.Ops;\nusing M = System.Math;\nusing Diff = GradGen.DifferentiableAttribute;\nnamespace NS;\npublic static partial class C { [Diff] public static T F(T x) => O.Relu(x) * M.E; }" }, false);
        yield return ("Usings", "Global", new[] { "global using GradGen;\nnamespace NS;\npublic static partial class C { [Differentiable] public static double F(double x) => x * x; }" }, true);
    }

    /// <summary>The hand-written sources above, namespaced: the "constructs" category of the suite.</summary>
    public static IReadOnlyList<RobustSource> ConstructSources { get; } = Constructs()
        .Select((c, i) => c.Alone ? new RobustSource(c.Category, c.Name, c.Files) { Alone = true } : RobustSource.InNamespace(c.Category, c.Name, "Rc" + i, c.Files))
        .ToList();
}
