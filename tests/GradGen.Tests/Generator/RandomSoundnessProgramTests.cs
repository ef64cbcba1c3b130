using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace GradGen.Tests.Generator;

/// <summary>
/// Random programs of the classes an independent fuzzer found GradGen wrong on (issue 13): virtual, override, abstract and
/// partial members; <c>base.</c> calls; <c>&amp;&amp;</c>/<c>||</c> guarding a use that would throw; <c>?:</c> over weight
/// objects and arrays; overloads with registered derivatives; branch → loop → branch. Each is a 1-D function of t, built by
/// a small <c>Check</c> class that calls the user's forward exactly as C# dispatches it (on an instance of the derived type,
/// with inputs that make a wrongly eager right operand throw). A program GradGen accepts must agree with central differences
/// of that forward; a program it refuses must compile as plain C# and get a GG error. All programs share one compilation.
/// </summary>
public sealed class RandomSoundnessProgramTests
{
    public const int PerFamily = 12;
    public const int BaseSeed = 13_2026;

    private readonly ITestOutputHelper _output;

    public RandomSoundnessProgramTests(ITestOutputHelper output) => _output = output;

    /// <summary>One program: its namespace <c>S{Index}</c> holds the user's code and, compiled only when GradGen accepted it, a static class <c>Check</c>.</summary>
    public sealed record Program(int Index, string Family, string Source, string Check, int Inputs)
    {
        public string Namespace => "S" + Index.ToString(CultureInfo.InvariantCulture);

        public override string ToString() => Namespace + " (" + Family + ")";
    }

    private static readonly string[] Families = ["virtual", "property", "short-circuit", "container ?:", "overloads", "branch-loop-branch"];

    private static readonly Lazy<Program[]> Programs = new(() =>
        Enumerable.Range(0, Families.Length * PerFamily).Select(i => Compose(i, new Random(BaseSeed + i * 7919))).ToArray());

    private static readonly Lazy<Outcome> Compiled = new(() => Outcome.Of(Programs.Value));

    public static IEnumerable<object[]> Indices => Enumerable.Range(0, Families.Length * PerFamily).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Indices))]
    public void Accepted_agrees_with_finite_differences_refused_compiles_and_is_diagnosed(int index)
    {
        var program = Programs.Value[index];
        var outcome = Compiled.Value;
        if (outcome.Accepted.Contains(index))
        {
            var check = outcome.Assembly.GetType(program.Namespace + ".Check") ?? throw Fail(program, "Check not compiled");
            var forward = check.GetMethod("Forward")!;
            var backward = check.GetMethod("Backward")!;
            for (var input = 0; input < program.Inputs; input++)
            {
                foreach (var t in new[] { 0.35, -0.6 })
                {
                    double F(double v) => (double)forward.Invoke(null, [v, input])!;
                    (double Value, double Derivative) result;
                    try
                    {
                        result = ((double, double))backward.Invoke(null, [t, input])!;
                    }
                    catch (TargetInvocationException e)
                    {
                        throw Fail(program, $"input {input}, t = {t}: the backward threw {e.InnerException!.GetType().Name}: {e.InnerException.Message} where the forward returned {F(t)}");
                    }
                    const double h = 1e-5;
                    var numerical = (F(t + h) - F(t - h)) / (2 * h);
                    if (Math.Abs(result.Value - F(t)) > 1e-9 * Math.Max(1, Math.Abs(F(t))) || Math.Abs(result.Derivative - numerical) > 1e-5 * Math.Max(1, Math.Abs(numerical)))
                    {
                        throw Fail(program, $"input {input}, t = {t}: generated value {result.Value}, derivative {result.Derivative}; the forward {F(t)}, finite differences {numerical}");
                    }
                }
            }
        }
        else
        {
            Assert.True(outcome.PlainErrors[index].Count == 0, program + " does not compile as plain C#:\n" + string.Join("\n", outcome.PlainErrors[index]) + "\n" + program.Source);
            Assert.True(outcome.Diagnostics[index].Count > 0, program + " got no backward and no GG diagnostic:\n" + program.Source);
        }
    }

    [Fact]
    public void Every_family_has_accepted_and_refused_programs()
    {
        var outcome = Compiled.Value;
        foreach (var family in Families)
        {
            var programs = Programs.Value.Where(p => p.Family == family).ToList();
            var accepted = programs.Count(p => outcome.Accepted.Contains(p.Index));
            _output.WriteLine($"{family,-20} {programs.Count} programs: {accepted} accepted (checked against finite differences), {programs.Count - accepted} refused");
            foreach (var refused in programs.Where(p => !outcome.Accepted.Contains(p.Index)).Take(2)) _output.WriteLine("    e.g. " + outcome.Diagnostics[refused.Index].FirstOrDefault());
            Assert.True(family == "container ?:" || accepted > 0, family + ": no program accepted");
            Assert.True(family is "short-circuit" or "overloads" or "branch-loop-branch" || accepted < programs.Count, family + ": no program refused");
        }
    }

    private static Xunit.Sdk.XunitException Fail(Program program, string what) =>
        new(program + ": " + what + "\n── program ──\n" + program.Source + "\n── check ──\n" + program.Check +
            (Compiled.Value.Generated.TryGetValue(program.Index, out var generated) ? "\n── generated ──\n" + generated : ""));

    // ── the outcome of one generator run over all programs ──────────────────────────────────

    private sealed class Outcome
    {
        public required Assembly Assembly;
        public required HashSet<int> Accepted;
        public required Dictionary<int, string> Generated;
        public required Dictionary<int, List<string>> PlainErrors;
        public required Dictionary<int, List<string>> Diagnostics;

        public static Outcome Of(IReadOnlyList<Program> programs)
        {
            var sources = programs.Select(p => Harness.Usings + "namespace " + p.Namespace + "\n{\n" + p.Source + "\n}\n").ToArray();
            // As plain C#: no error but those of code that calls generated members (there is none in the programs themselves).
            var plain = Harness.Compilation(sources);
            var plainErrors = programs.ToDictionary(p => p.Index, p => plain.GetDiagnostics()
                .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath == "Source" + p.Index + ".cs").Select(d => d.ToString()).ToList());
            var analyzers = typeof(GradGen.Generators.DifferentiableGenerator).Assembly.GetTypes()
                .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
                .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!).ToImmutableArray();
            var diagnostics = plain.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
            var byProgram = programs.ToDictionary(p => p.Index, p => diagnostics
                .Where(d => d.Id.StartsWith("GG", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath == "Source" + p.Index + ".cs")
                .Select(d => d.ToString()).ToList());

            var run = Harness.Run(plain);
            Assert.Empty(run.GeneratorDiagnostics);
            var generated = new Dictionary<int, string>();
            foreach (var (hint, source) in run.Generated)
            {
                if (hint.StartsWith("S", StringComparison.Ordinal) && int.TryParse(hint.AsSpan(1, hint.IndexOf('.') - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var i))
                {
                    generated[i] = (generated.TryGetValue(i, out var before) ? before + "\n" : "") + source;
                }
            }
            // Accepted: every [Differentiable] method of the program got its backward, and the analyzer agrees.
            var accepted = programs.Where(p => byProgram[p.Index].Count == 0).Select(p => p.Index).ToHashSet();
            foreach (var p in programs.Where(p => accepted.Contains(p.Index))) Assert.True(generated.ContainsKey(p.Index), p + ": no GG diagnostic, yet nothing generated\n" + p.Source);
            var checks = programs.Where(p => accepted.Contains(p.Index)).Select(p => Harness.Usings + "namespace " + p.Namespace + "\n{\n" + p.Check + "\n}\n");
            var withChecks = run.Output.AddSyntaxTrees(checks.Select(c => Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(c, Harness.ParseOptions)));
            return new Outcome { Assembly = Harness.Emit(withChecks), Accepted = accepted, Generated = generated, PlainErrors = plainErrors, Diagnostics = byProgram };
        }
    }

    // ── the composer ────────────────────────────────────────────────────────────────────────

    /// <summary>A smooth scalar body of x (bounded, no division near zero).</summary>
    private static string Body(Random r, string x = "x")
    {
        string[] forms = [$"{x} * {x} * 0.5", $"Math.Sin({x}) * 2", $"Math.Tanh({x}) + {x}", $"{x} * 3 - Math.Cos({x})", $"Math.Exp({x} * 0.3)", $"{x} * {x} * {x} * 0.2"];
        return forms[r.Next(forms.Length)];
    }

    private static Program Compose(int index, Random r)
    {
        var family = Families[index / PerFamily];
        return family switch
        {
            "virtual" => Virtual(index, r),
            "property" => Property(index, r),
            "short-circuit" => ShortCircuit(index, r),
            "container ?:" => Container(index, r),
            "overloads" => Overloads(index, r),
            _ => BranchLoopBranch(index, r),
        };
    }

    /// <summary>A virtual [Differentiable] F overridden in D (sealed or not, its override marked or not); G calls F through this, base or the sealed type.</summary>
    private static Program Virtual(int index, Random r)
    {
        var sealedD = r.Next(2) == 0;
        var markedOverride = r.Next(3) > 0;
        var where = r.Next(3); // 0: G in B calls F; 1: G in D calls F; 2: G in D calls base.F
        var call = where == 2 ? "base.F(x)" : "F(x)";
        var g = $"    [Differentiable]\n    public double G(double x) => {call} * {(r.Next(2) == 0 ? "x" : "Math.Cos(x)")} + x;\n";
        var source = $$"""
            public partial class B
            {
                [Differentiable]
                public virtual double F(double x) => {{Body(r)}};
            {{(where == 0 ? g : "")}}}

            public {{(sealedD ? "sealed " : "")}}partial class D : B
            {
            {{(markedOverride ? "    [Differentiable]\n" : "")}}    public override double F(double x) => {{Body(r)}};
            {{(where > 0 ? g : "")}}}
            """;
        var owner = where == 0 ? "B" : "D";
        var check = $$"""
            public static class Check
            {
                public static double Forward(double t, int input) { {{owner}} d = new D(); return d.G(t); }
                public static (double, double) Backward(double t, int input) { {{owner}} d = new D(); var (value, dX) = d.GBackward(t); return (value, dX); }
            }
            """;
        return new Program(index, "virtual", source, check, 1);
    }

    /// <summary>A tensor property W read by F: stored, computed, abstract/overridden, virtual (sealed or not), or partial.</summary>
    private static Program Property(int index, Random r)
    {
        var variant = r.Next(6);
        var scale = r.Next(2) == 0 ? "2.0" : "0.5";
        var stored = "public Tensor<double> W { get; }";
        var (baseMembers, derivedMembers, derivedSealed) = variant switch
        {
            0 => (stored, "", true),                                                  // a stored auto-property: accepted
            1 => ("public virtual Tensor<double> W { get; }", "", true),             // virtual, sealed receiver, no override: accepted
            2 => ("public virtual Tensor<double> W { get; }", "", false),            // virtual, unsealed: refused
            3 => ("public virtual Tensor<double> W { get; }", $"public override Tensor<double> W => Ops.Multiply(base.W, {scale});", true), // computed in the override: refused
            4 => ("public abstract Tensor<double> W { get; }", $"public override Tensor<double> W => Ops.Multiply(V, {scale});", true),   // abstract: refused
            _ => ("public partial Tensor<double> W { get; }\n    public partial Tensor<double> W { get => Ops.Multiply(V, " + scale + "); }", "", true), // partial: refused
        };
        var abstractBase = variant == 4;
        var body = r.Next(2) == 0 ? "Ops.Sum(Ops.Tanh(Ops.MatMul(x, W)))" : "Ops.Mean(Ops.Square(Ops.MatMul(x, W)))";
        var baseCtor = variant is 4 or 5 ? "public Base(Tensor<double> v) { V = v; }" : "public Base(Tensor<double> v) { W = v; }";
        var source = $$"""
            public {{(abstractBase ? "abstract " : "")}}partial class Base
            {
                {{baseCtor}}
                public Tensor<double> V { get; } = Tensor.Create(new double[9], [3, 3]);
                {{baseMembers}}
            }

            public {{(derivedSealed ? "sealed " : "")}}partial class Model : Base
            {
                public Model(Tensor<double> v) : base(v) { }
                {{derivedMembers}}

                [Differentiable]
                public double F([NoGradient] Tensor<double> x) => {{body}};
            }
            """;
        // The derivative along a direction D of the stored tensor: ⟨dSelf.W, D⟩ against finite differences of F(W + tD).
        var check = """
            public static class Check
            {
                private static readonly Tensor<double> X = Tensor.Create(new[] { 0.3, -0.2, 0.5, 0.1, 0.4, -0.6 }, [2, 3]);
                private static readonly Tensor<double> W0 = Tensor.Create(new[] { 0.2, -0.1, 0.4, 0.3, 0.5, -0.2, 0.1, 0.6, -0.3 }, [3, 3]);
                private static readonly Tensor<double> D = Tensor.Create(new[] { 1.0, -0.5, 0.25, 0.3, -0.2, 0.7, -0.4, 0.1, 0.9 }, [3, 3]);
                private static Model At(double t) => new(Ops.Add(W0, Ops.Multiply(D, t)));
                public static double Forward(double t, int input) => At(t).F(X);
                public static (double, double) Backward(double t, int input)
                {
                    var (value, dSelf) = At(t).FBackward(X);
                    return (value, Ops.Sum(Ops.Multiply(dSelf.W, D)));
                }
            }
            """;
        return new Program(index, "property", source, check, 1);
    }

    /// <summary>A passive && / || whose right operand throws (index out of range, division by zero) when the left decides.</summary>
    private static Program ShortCircuit(int index, Random r)
    {
        string[] conditions = ["ids.Length > 0 && ids[0] > 2", "d == 0 || n / d > 1", "ids.Length == 0 || ids[ids.Length - 1] * 2 < n", "d != 0 && n % d == 0 && ids.Length > n / d"];
        var condition = conditions[r.Next(conditions.Length)];
        var asValue = r.Next(2) == 0;
        var body = asValue
            ? $"        var taken = {condition};\n        return taken ? {Body(r)} : {Body(r)};"
            : $"        var y = {Body(r)};\n        if ({condition}) y = y * x + {Body(r)};\n        return y;";
        var source = $$"""
            public static partial class C
            {
                [Differentiable]
                public static double F(double x, int[] ids, int n, int d)
                {
            {{body}}
                }
            }
            """;
        var check = """
            public static class Check
            {
                private static readonly (int[] Ids, int N, int D)[] Inputs = { (new int[0], 3, 0), (new[] { 1 }, 3, 2), (new[] { 5, 4 }, 9, 2), (new int[0], 0, 0), (new[] { 3 }, 4, 4) };
                public static double Forward(double t, int input) { var (ids, n, d) = Inputs[input]; return C.F(t, ids, n, d); }
                public static (double, double) Backward(double t, int input) { var (ids, n, d) = Inputs[input]; var (value, dX) = C.FBackward(t, ids, n, d); return (value, dX); }
            }
            """;
        return new Program(index, "short-circuit", source, check, 5);
    }

    /// <summary>A ?: choosing a weight object or an array of tensors: always refused.</summary>
    private static Program Container(int index, Random r)
    {
        var array = r.Next(2) == 0;
        var source = array
            ? """
              public static partial class C
              {
                  [Differentiable]
                  public static double F(Tensor<double>[] a, Tensor<double>[] b, int k)
                  {
                      var ws = k > 0 ? a : b;
                      return Ops.Sum(Ops.Tanh(ws[0]));
                  }
              }
              """
            : """
              public sealed class Layer
              {
                  public Layer(Tensor<double> w) { W = w; }
                  public Tensor<double> W { get; }
              }

              public sealed partial class Net
              {
                  public Net(Layer a, Layer b) { A = a; B = b; }
                  public Layer A { get; }
                  public Layer B { get; }

                  [Differentiable]
                  public double F(Tensor<double> x, bool useA) => Ops.Sum(Ops.MatMul(x, (useA ? A : B).W));
              }
              """;
        return new Program(index, "container ?:", source, "", 0);
    }

    /// <summary>Overloads for float and double, each, one or neither registered with a pullback (in random order); F calls one.</summary>
    private static Program Overloads(int index, Random r)
    {
        var registerDouble = r.Next(3) > 0;
        var registerFloat = r.Next(3) > 0 || !registerDouble;
        var pullbacks = new List<string>();
        if (registerDouble) pullbacks.Add("    [DerivativeOf(nameof(Soft))]\n    public static void SoftPullback(double x, double y, double dY, ref double dX) => dX += dY / (1 + Math.Exp(-x));");
        if (registerFloat) pullbacks.Add("    [DerivativeOf(nameof(Soft))]\n    public static void SoftPullback(float x, float y, float dY, ref float dX) => dX += dY / (1 + MathF.Exp(-x));");
        if (r.Next(2) == 0) pullbacks.Reverse();
        var source = $$"""
            public static class S
            {
                public static double Soft(double x) => Math.Log(1 + Math.Exp(x));
                public static float Soft(float x) => MathF.Log(1 + MathF.Exp(x));
            {{string.Join("\n", pullbacks)}}
            }

            public static partial class C
            {
                [Differentiable]
                public static double F(double x) => S.Soft(x) * {{Body(r)}};
            }
            """;
        var check = """
            public static class Check
            {
                public static double Forward(double t, int input) => C.F(t);
                public static (double, double) Backward(double t, int input) { var (value, dX) = C.FBackward(t); return (value, dX); }
            }
            """;
        return new Program(index, "overloads", source, check, 1);
    }

    /// <summary>if → for → ?: (and deeper): values recorded in a loop nested in a branch, whose own branch records too.</summary>
    private static Program BranchLoopBranch(int index, Random r)
    {
        var inner = $"y = y > {(r.Next(2) == 0 ? "0" : "0.2")} ? {Body(r, "y")} * 0.5 + x * 0.1 : {Body(r, "y")} * 0.3";
        var loop = $"for (int i = 0; i < {1 + r.Next(3)}; i++) {{ {inner}; }}";
        var nested = r.Next(2) == 0 ? $"if (n > 0) {{ {loop} }}" : $"if (n > 0) {{ if (n > 1) {{ {loop} }} else {{ y = y * x; }} }}";
        var source = $$"""
            public static partial class C
            {
                [Differentiable]
                public static double F(double x, int n)
                {
                    var y = {{Body(r)}};
                    {{nested}}
                    return y;
                }
            }
            """;
        var check = """
            public static class Check
            {
                public static double Forward(double t, int input) => C.F(t, input);
                public static (double, double) Backward(double t, int input) { var (value, dX) = C.FBackward(t, input); return (value, dX); }
            }
            """;
        return new Program(index, "branch-loop-branch", source, check, 3);
    }
}
