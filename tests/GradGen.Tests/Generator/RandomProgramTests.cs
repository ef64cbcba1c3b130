using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
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
/// Randomly composed [Differentiable] programs (deterministic: fixed seeds), half scalar and half tensor, all compiled
/// through the real generator in ONE compilation; each program's generated backward (both forms) is compared with
/// central finite differences, and each tensor program's planned backward bit for bit with its unplanned twin
/// (<c>[Differentiable(Plan = false)]</c>, in the same compilation). Tensor programs draw the planning rules' patterns and
/// their near misses (<see cref="Random_programs_reach_the_planning_rules"/> counts the rules they reach). A failing row
/// names the program and shows its full source and its generated code.
/// </summary>
/// <remarks>
/// Every program keeps finite differences meaningful: Log/Sqrt only of expressions bounded away from zero, denominators
/// bounded away from zero, Exp only of bounded arguments, kinks (ReLU, |x|, max, min) only of raw parameters, whose
/// test inputs are drawn from ±[0.2, 2]; magnitudes are tracked and large intermediates squashed so that rounding in
/// the finite differences stays far below the tolerance.
/// </remarks>
public sealed class RandomProgramTests
{
    public const int Count = 640;
    /// <summary>
    /// The seed every program's seed derives from: fixed, so CI checks the same programs every run. Set
    /// <c>GRADGEN_RANDOM_SEED</c> to check 640 other programs (a longer fuzz run: <c>tests/fuzz.sh</c> loops over seeds).
    /// </summary>
    public static readonly int BaseSeed = int.TryParse(Environment.GetEnvironmentVariable("GRADGEN_RANDOM_SEED"), out var seed) ? seed : 20_240_611;

    private readonly ITestOutputHelper _output;

    public RandomProgramTests(ITestOutputHelper output) => _output = output;

    private static readonly Lazy<RandomProgram[]> Programs = new(() => Enumerable.Range(0, Count).Select(i => RandomProgram.Generate(i, BaseSeed)).ToArray());

    private static readonly Lazy<Batch> Compiled = new(() => Batch.Compile(Programs.Value));

    public static IEnumerable<object[]> Indices => Enumerable.Range(0, Count).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Indices))]
    public void Random_program_gradient_matches_finite_differences(int index)
    {
        var program = Programs.Value[index];
        var batch = Compiled.Value;
        if (batch.GlobalErrors.Count > 0) throw Fail(program, batch, "the batch did not compile:\n" + string.Join("\n", batch.GlobalErrors));
        if (batch.CompileErrors.TryGetValue(index, out var errors)) throw Fail(program, batch, "the program, or the code generated for it, does not compile:\n" + errors);
        if (!batch.Generated.ContainsKey(index)) throw Fail(program, batch, "the generator produced no backward for it; the analyzer says:\n" + WhyNoBackward(program));
        var type = batch.Assembly!.GetType(program.TypeName) ?? throw Fail(program, batch, "type not found in the compiled assembly");
        try
        {
            GradientChecker.CheckAll(type, "F", program.Shapes, positive: false, seed: BaseSeed + index);
            if (program.Twin is not null)
            {
                // Planning's rules are exact: the planned backward returns bit for bit what [Differentiable(Plan = false)] does.
                var twin = batch.Assembly!.GetType(program.TwinName) ?? throw Fail(program, batch, "its unplanned twin " + program.TwinName + " is not in the compiled assembly");
                var planned = GradientChecker.Outputs(type, "F", program.Shapes, positive: false, seed: BaseSeed + index);
                var unplanned = GradientChecker.Outputs(twin, "F", program.Shapes, positive: false, seed: BaseSeed + index);
                Assert.Equal(unplanned.Length, planned.Length);
                for (var k = 0; k < planned.Length; k++)
                {
                    if (!unplanned[k].SequenceEqual(planned[k]))
                    {
                        var at = Enumerable.Range(0, planned[k].Length).First(i => BitConverter.DoubleToInt64Bits(planned[k][i]) != BitConverter.DoubleToInt64Bits(unplanned[k][i]));
                        throw new Xunit.Sdk.XunitException($"output {k} (0: the value, then the tuple's gradients, then the accumulated buffers) differs between the planned and the unplanned backward at [{at}]: planned {planned[k][at]:R}, unplanned {unplanned[k][at]:R}" +
                            (batch.GeneratedTwins.TryGetValue(index, out var code) ? "\n── generated unplanned ──\n" + code : ""));
                    }
                }
            }
        }
        catch (Exception e)
        {
            var inner = e is TargetInvocationException { InnerException: { } ie } ? ie : e;
            throw Fail(program, batch, inner.GetType().Name + ": " + inner.Message + (inner is Xunit.Sdk.XunitException ? "" : "\n" + inner.StackTrace));
        }
    }

    [Fact]
    public void Every_random_program_gets_a_backward()
    {
        var batch = Compiled.Value;
        Assert.True(batch.GlobalErrors.Count == 0, "the batch did not compile:\n" + string.Join("\n", batch.GlobalErrors));
        Assert.True(batch.GeneratorDiagnostics.IsEmpty, "generator diagnostics:\n" + string.Join("\n", batch.GeneratorDiagnostics));
        var missing = new List<string>();
        foreach (var program in Programs.Value)
        {
            var type = batch.Assembly?.GetType(program.TypeName);
            var backwards = type?.GetMethods(BindingFlags.Public | BindingFlags.Static).Count(m => m.Name == "FBackward") ?? 0;
            var twinMissing = program.Twin is not null && !batch.GeneratedTwins.ContainsKey(program.Index);
            if (!batch.Generated.ContainsKey(program.Index) || backwards != 2 || twinMissing)
            {
                missing.Add($"{program.TypeName}: generated file {(batch.Generated.ContainsKey(program.Index) ? "present" : "MISSING")}, public FBackward overloads in the assembly: {backwards}" +
                            (twinMissing ? ", the unplanned twin's generated file MISSING" : "") + "\n" +
                            (batch.CompileErrors.TryGetValue(program.Index, out var errors) ? "set aside, its (generated) code does not compile:\n" + errors : "the analyzer says:\n" + WhyNoBackward(program)) +
                            "\n" + program.Source);
            }
        }
        Assert.True(missing.Count == 0, $"{missing.Count} of {Count} programs have no (complete) backward:\n\n" + string.Join("\n\n", missing.Take(10)));
    }

    [Fact]
    public void Random_programs_cover_the_vocabulary()
    {
        var programs = Programs.Value;
        var batch = Compiled.Value;
        var scalar = programs.Count(p => p.Kind == ProgramKind.Scalar);
        var tensor = programs.Count(p => p.Kind == ProgramKind.Tensor);
        _output.WriteLine($"{programs.Length} random programs (base seed {BaseSeed}): {scalar} scalar (double), {tensor} tensor (Tensor<double>)");
        _output.WriteLine($"  tensor programs with a scalar result: {programs.Count(p => p.Kind == ProgramKind.Tensor && p.ReturnsScalar)}, with a tensor result: {programs.Count(p => !p.ReturnsScalar)}");
        _output.WriteLine($"  compiled in one compilation (generate + compile + emit, {batch.Rounds} round(s)): {batch.CompileTime.TotalSeconds:F1} s; {batch.Generated.Count} backward files generated; {batch.CompileErrors.Count} programs excluded by compile errors");
        _output.WriteLine("  checked per kind (compiled, with a backward): scalar " + programs.Count(p => p.Kind == ProgramKind.Scalar && batch.IsCheckable(p.Index)) +
                          ", tensor " + programs.Count(p => p.Kind == ProgramKind.Tensor && batch.IsCheckable(p.Index)));
        _output.WriteLine("  programs using each construct (scalar / tensor):");
        var features = programs.SelectMany(p => p.Features).Distinct().OrderBy(f => f, StringComparer.Ordinal).ToList();
        foreach (var feature in features)
        {
            _output.WriteLine($"    {feature,-28} {programs.Count(p => p.Kind == ProgramKind.Scalar && p.Features.Contains(feature)),4} / {programs.Count(p => p.Kind == ProgramKind.Tensor && p.Features.Contains(feature)),4}");
        }

        Assert.True(programs.Length >= 500);
        Assert.InRange(scalar, programs.Length * 4 / 10, programs.Length * 6 / 10);
        // Every construct of the vocabulary appears in a fair number of programs.
        string[] required =
        [
            "expression body", "local", "reassigned local", "compound assignment", "fan-out", "constant", "depth 4",
            "scalar +", "scalar -", "scalar *", "scalar /", "scalar negate", "Math.Exp", "Math.Log", "Math.Sqrt", "Math.Sin", "Math.Cos",
            "Math.Tanh", "Math.Pow", "Math.Abs", "Math.Max", "Math.Min", "passive int",
            "tensor + (operator)", "tensor - (operator)", "tensor * (operator)", "tensor / (operator)", "tensor negate (operator)",
            "Ops.Add", "Ops.Subtract", "Ops.Multiply", "Ops.Divide", "Ops.Negate",
            "broadcast row", "tensor-scalar", "scalar-tensor", "MatMul", "Transpose", "Relu", "Sigmoid", "Ops.Tanh", "Ops.Exp", "Ops.Log",
            "Ops.Sqrt", "Ops.Square", "Sum", "Mean", "Softmax", "Softmax of a row", "SoftmaxCrossEntropy", "[NoGradient] scalar",
            "[NoGradient] tensor", "helper call", "tensor-valued helper call", "nested helper call", "tensor result", "scalar result",
            "loop", "while loop", "do loop", "loop bound changed by body", "break", "continue", "branch", "conditional", "early return", "Gelu", "LogSoftmax along an axis", "Softmax along an axis", "Sum along an axis", "Mean along an axis", "LayerNorm",
            "weight object", "nested weight object", "scalar member", "TransposeAxes", "Permute", "Reshape", "Split and Concat", "slices as gates",
        ];
        var rare = required.Where(f => programs.Count(p => p.Features.Contains(f)) < 10).Select(f => f + " (" + programs.Count(p => p.Features.Contains(f)) + ")").ToList();
        Assert.True(rare.Count == 0, "constructs used by fewer than 10 programs: " + string.Join(", ", rare));
    }

    /// <summary>What each planning rule leaves in the generated code (docs/architecture.md, "Planning"), by the line that shows it.</summary>
    public static readonly (string Rule, Func<string, bool> Fired)[] PlanningRules =
    [
        ("fused MatMul + bias", g => Lines(g).Any(l => l.Contains("fused (planned): ", StringComparison.Ordinal) && l.Contains("the bias added in place", StringComparison.Ordinal))),
        ("fused + ReLU", g => Lines(g).Any(l => l.Contains("fused (planned): ", StringComparison.Ordinal) && l.Contains("the bias and the ReLU applied in place", StringComparison.Ordinal))),
        ("fused A·Bᵀ", g => Lines(g).Any(l => l.Contains("fused (planned): ", StringComparison.Ordinal) && l.Contains("transposed in place", StringComparison.Ordinal))),
        ("fused + GELU", g => Lines(g).Any(l => l.Contains("fused (planned): ", StringComparison.Ordinal) && l.Contains(" = GELU(", StringComparison.Ordinal))),
        ("fused + GELU after a product", g => Lines(g).Any(l => l.Contains("fused (planned): ", StringComparison.Ordinal) && l.Contains("is taped for it instead of fused with the bias", StringComparison.Ordinal))),
        ("fused split heads", g => Lines(g).Any(l => l.Contains("fused (planned): ", StringComparison.Ordinal) && l.Contains("as one copy of the heads out of", StringComparison.Ordinal))),
        ("fused merge heads", g => Lines(g).Any(l => l.Contains("fused (planned): ", StringComparison.Ordinal) && l.Contains("as one copy joining the heads", StringComparison.Ordinal))),
        ("tiled (onlySlice)", g => g.Contains("onlySlice: true", StringComparison.Ordinal)),
        ("first-write of a slice", g => Lines(g).Any(l => l.Contains("Adjoint.Slice(", StringComparison.Ordinal) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("first-write of a split", g => Lines(g).Any(l => l.Contains("Adjoint.Split(", StringComparison.Ordinal) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("slices tiling an axis", g => Lines(g).Any(l => l.Contains("Adjoint.Slice(", StringComparison.Ordinal) && l.Contains("onlySlice: true", StringComparison.Ordinal))),
        ("tiled, last zeros after (clearAfter)", g => g.Contains("clearAfter: true", StringComparison.Ordinal)),
        ("split heads, first write not tiled", g => Lines(g).Any(l => l.Contains("Adjoint.SplitHeads(", StringComparison.Ordinal) && l.Contains("overwrite: true", StringComparison.Ordinal) && !l.Contains("onlySlice", StringComparison.Ordinal))),
        ("first-write", g => g.Contains("Adjoint.Uninitialized(", StringComparison.Ordinal)),
        ("first-write of BiasGelu", g => Lines(g).Any(l => l.Contains("Adjoint.BiasGelu(", StringComparison.Ordinal) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("first-write of LayerNorm", g => Lines(g).Any(l => l.Contains("Adjoint.LayerNorm(", StringComparison.Ordinal) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("first-write of a Hadamard product", g => Lines(g).Any(l => l.Contains("Adjoint.Multiply(", StringComparison.Ordinal) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("first-write of Sum or Mean", g => Lines(g).Any(l => (l.Contains("Adjoint.Fill(", StringComparison.Ordinal) || l.Contains("Adjoint.Mean(", StringComparison.Ordinal)) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("first-write of a scaled gradient", g => Lines(g).Any(l => l.Contains("Adjoint.Scaled(", StringComparison.Ordinal) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("first-write of Softmax or LogSoftmax", g => Lines(g).Any(l => (l.Contains("Adjoint.Softmax(", StringComparison.Ordinal) || l.Contains("Adjoint.LogSoftmax(", StringComparison.Ordinal)) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("first-write of a division", g => Lines(g).Any(l => l.Contains("Adjoint.Divide", StringComparison.Ordinal) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("first-write of CausalSoftmax", g => Lines(g).Any(l => l.Contains("Adjoint.CausalSoftmax(", StringComparison.Ordinal) && l.Contains("overwrite: true", StringComparison.Ordinal))),
        ("write-if-asked", g => g.Contains(", overwrite: overwrite)", StringComparison.Ordinal) || g.Contains(": overwrite);", StringComparison.Ordinal)),
        ("first-write of a call", g => Lines(g).Any(l => l.Contains("'s pullback writes ", StringComparison.Ordinal) && l.Contains("not zero-filled then added to", StringComparison.Ordinal))),
        ("first-write of MatMulBiasRelu", g => g.Contains("overwriteA: true", StringComparison.Ordinal)),
        ("alias", g => g.Contains("Adjoint.Reduce(", StringComparison.Ordinal) && g.Contains("// alias (planned): ", StringComparison.Ordinal)),
        ("alias as a view (reshape)", g => g.Contains("Adjoint.Reshaped(", StringComparison.Ordinal)),
        ("release", g => g.Contains("Workspace.Release", StringComparison.Ordinal)),
    ];

    private static IEnumerable<string> Lines(string generated) => generated.Split('\n');

    [Fact]
    public void Random_programs_reach_the_planning_rules()
    {
        var batch = Compiled.Value;
        var programs = Programs.Value.Where(p => p.Twin is not null && batch.IsCheckable(p.Index)).ToList();
        _output.WriteLine($"{programs.Count} tensor programs checked planned against unplanned (base seed {BaseSeed}); programs whose planned backward shows each rule:");
        var rare = new List<string>();
        foreach (var (rule, fired) in PlanningRules)
        {
            var count = programs.Count(p => fired(batch.Generated[p.Index]));
            _output.WriteLine($"    {rule,-40} {count,4}");
            if (count < 10) rare.Add(rule + " (" + count + ")");
        }
        var near = Programs.Value.SelectMany(p => p.Features).Where(f => f.StartsWith("near miss", StringComparison.Ordinal) || f.StartsWith("plan:", StringComparison.Ordinal)).Distinct().OrderBy(f => f, StringComparer.Ordinal);
        _output.WriteLine("  planning patterns drawn (programs):");
        foreach (var feature in near) _output.WriteLine($"    {feature,-40} {Programs.Value.Count(p => p.Features.Contains(feature)),4}");
        // Drawn but not shown: a pattern in dead code, under a value without a declared shape, or a rule that missed it.
        foreach (var (feature, rule) in new[] { ("plan: ReLU(product + row)", "fused + ReLU"), ("plan: GELU(x + row)", "fused + GELU"), ("plan: GELU(product + row)", "fused + GELU after a product"), ("plan: product + row", "fused MatMul + bias"), ("plan: LayerNorm of an intermediate", "first-write of LayerNorm") })
        {
            var fired = PlanningRules.Single(r => r.Rule == rule).Fired;
            var drawn = programs.Where(p => p.Features.Contains(feature)).ToList();
            var missed = drawn.Where(p => p.Source.Contains("[Shape(", StringComparison.Ordinal) && !fired(batch.Generated[p.Index])).Select(p => p.TypeName).ToList();
            _output.WriteLine($"  {feature}: drawn in {drawn.Count}, shown in {drawn.Count(p => fired(batch.Generated[p.Index]))}; with shapes declared but not shown: " + string.Join(", ", missed.Take(8)));
        }
        // No twin shows a planned statement (the switch works).
        var leaky = programs.Where(p => batch.GeneratedTwins.TryGetValue(p.Index, out var twin) && (twin.Contains("(planned)", StringComparison.Ordinal) || twin.Contains("Workspace.Release", StringComparison.Ordinal))).Select(p => p.TwinName).ToList();
        Assert.True(leaky.Count == 0, "unplanned twins with planned statements: " + string.Join(", ", leaky.Take(10)));
        Assert.True(rare.Count == 0, "planning rules shown by fewer than 10 random programs: " + string.Join(", ", rare));
    }

    [Fact]
    public void Random_programs_are_deterministic()
    {
        var again = Enumerable.Range(0, Count).Select(i => RandomProgram.Generate(i, BaseSeed).Source);
        Assert.Equal(Programs.Value.Select(p => p.Source), again);
    }

    /// <summary>The project's own analyzer (which reports exactly what the generator refuses) on the program, with its helpers.</summary>
    private static string WhyNoBackward(RandomProgram program)
    {
        var sources = RandomProgram.Helpers.Keys.Select(RandomProgram.HelperSource).Append(program.Source).ToArray();
        var compilation = Harness.Compilation(sources);
        var programTree = compilation.SyntaxTrees.Last();
        var analyzers = typeof(GradGen.Generators.DifferentiableGenerator).Assembly.GetTypes()
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var diagnostics = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!analyzers.IsEmpty) diagnostics.AddRange(compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult());
        var relevant = diagnostics.Where(d => d.Location.SourceTree == programTree).Select(d => d.ToString()).ToList();
        return relevant.Count > 0 ? string.Join("\n", relevant) : "(no diagnostic on the program: the generator skipped it silently)";
    }

    private static Xunit.Sdk.XunitException Fail(RandomProgram program, Batch batch, string what)
    {
        var message = new StringBuilder();
        message.Append(program.TypeName).Append(" (").Append(program.Kind).Append(" program, seed ").Append(program.Seed).Append("): ").AppendLine(what);
        message.AppendLine("shapes: " + string.Join(", ", program.Shapes.Select(s => s is null ? "-" : "[" + string.Join(",", s) + "]")));
        message.AppendLine("── program ──");
        message.AppendLine(program.Source);
        if (batch.Generated.TryGetValue(program.Index, out var generated))
        {
            message.AppendLine("── generated ──");
            message.AppendLine(generated);
        }
        return new Xunit.Sdk.XunitException(message.ToString());
    }

    /// <summary>
    /// All programs and helpers generated and compiled together. A program (or helper) whose code, or generated code, does
    /// not compile is set aside with its errors, as is every program or helper that calls a helper set aside; the rest is recompiled.
    /// </summary>
    private sealed class Batch
    {
        public Assembly? Assembly;
        public readonly Dictionary<int, string> Generated = new();
        /// <summary>The unplanned twins' generated code (P17Unplanned), by program.</summary>
        public readonly Dictionary<int, string> GeneratedTwins = new();
        public readonly Dictionary<string, string> GeneratedHelpers = new();
        public readonly Dictionary<int, string> CompileErrors = new();
        public readonly Dictionary<string, string> HelperErrors = new();
        public readonly List<string> GlobalErrors = new();
        public ImmutableArray<Diagnostic> GeneratorDiagnostics = ImmutableArray<Diagnostic>.Empty;
        public TimeSpan CompileTime;
        public int Rounds;

        public bool IsCheckable(int index) => Assembly is not null && Generated.ContainsKey(index) && !CompileErrors.ContainsKey(index);

        /// <summary>The sources of the included programs: each program, and after all of them the unplanned twins (tensor programs').</summary>
        private static List<(int Index, string Source)> ProgramSources(IReadOnlyList<RandomProgram> programs, List<int> included) =>
            included.Select(i => (i, programs[i].Source)).Concat(included.Where(i => programs[i].Twin is not null).Select(i => (i, programs[i].Twin!))).ToList();

        public static Batch Compile(IReadOnlyList<RandomProgram> programs)
        {
            var batch = new Batch();
            var stopwatch = Stopwatch.StartNew();
            var included = programs.Select(p => p.Index).ToList();
            var helpers = RandomProgram.Helpers.Keys.ToList();
            while (batch.Rounds < 8)
            {
                batch.Rounds++;
                // Source{k} for k < helpers.Count holds a helper; Source{helpers.Count + k} the k-th included program or twin.
                var programSources = ProgramSources(programs, included);
                var sources = helpers.Select(RandomProgram.HelperSource).Concat(programSources.Select(p => p.Source)).ToArray();
                // Debug code generation: the same C# semantics, noticeably cheaper to emit for ~500 programs.
                var compilation = Harness.Compilation(sources);
                var result = Harness.Run(compilation.WithOptions(compilation.Options.WithOptimizationLevel(OptimizationLevel.Debug)));
                batch.GeneratorDiagnostics = result.GeneratorDiagnostics;
                foreach (var (hint, source) in result.Generated)
                {
                    if (ProgramOfHint(hint, out var isTwin) is { } index) (isTwin ? batch.GeneratedTwins : batch.Generated)[index] = source;
                    else if (HelperOfHint(hint) is { } helper) batch.GeneratedHelpers[helper] = source;
                }
                // One emit both reports every error and warning (as Harness.Load does, any of them fails) and builds the assembly.
                using var stream = new System.IO.MemoryStream();
                var emit = result.Output.Emit(stream);
                var problems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
                if (problems.Count == 0)
                {
                    stream.Position = 0;
                    batch.Assembly = GradGen.Tests.Infrastructure.LoadContexts.New("RandomPrograms").LoadFromStream(stream);
                    break;
                }
                var culprits = new HashSet<int>();
                var brokenHelpers = new HashSet<string>();
                foreach (var problem in problems)
                {
                    var path = problem.Location.SourceTree?.FilePath ?? "";
                    var file = System.IO.Path.GetFileName(path);
                    int? index = null;
                    string? helper = null;
                    if (file.StartsWith("Source", StringComparison.Ordinal) && int.TryParse(file.AsSpan(6, file.Length - 9), out var k))
                    {
                        if (k < helpers.Count) helper = helpers[k];
                        else index = programSources[k - helpers.Count].Index;
                    }
                    else
                    {
                        index = ProgramOfHint(file, out _);
                        helper = HelperOfHint(file);
                    }
                    if (index is { } i)
                    {
                        culprits.Add(i);
                        batch.CompileErrors[i] = (batch.CompileErrors.TryGetValue(i, out var previous) ? previous + "\n" : "") + problem;
                    }
                    else if (helper is not null)
                    {
                        brokenHelpers.Add(helper);
                        batch.HelperErrors[helper] = (batch.HelperErrors.TryGetValue(helper, out var previous) ? previous + "\n" : "") + problem;
                    }
                    else
                    {
                        batch.GlobalErrors.Add(problem.ToString());
                    }
                }
                if (batch.GlobalErrors.Count > 0) break;
                // Whatever calls a broken helper goes too (its failure is the helper's, reported with the helper's errors).
                bool changed;
                do
                {
                    changed = false;
                    foreach (var helper in helpers.Where(h => !brokenHelpers.Contains(h) && RandomProgram.Helpers[h].Calls.Any(brokenHelpers.Contains)).ToList())
                    {
                        brokenHelpers.Add(helper);
                        batch.HelperErrors[helper] = "calls a helper set aside: " + string.Join(", ", RandomProgram.Helpers[helper].Calls.Where(brokenHelpers.Contains));
                        changed = true;
                    }
                } while (changed);
                foreach (var i in included.Where(i => !culprits.Contains(i)))
                {
                    var broken = programs[i].HelpersCalled.Where(brokenHelpers.Contains).ToList();
                    if (broken.Count == 0) continue;
                    culprits.Add(i);
                    batch.CompileErrors[i] = string.Join("\n", broken.Select(h => "it calls helper H." + h + ", which was set aside:\n" + batch.HelperErrors[h] +
                        (batch.GeneratedHelpers.TryGetValue(h, out var code) ? "\n── generated for H." + h + " ──\n" + code : "")));
                }
                included.RemoveAll(culprits.Contains);
                helpers.RemoveAll(brokenHelpers.Contains);
            }
            batch.CompileTime = stopwatch.Elapsed;
            return batch;
        }

        /// <summary>P17.F.g.cs → 17; P17Unplanned.F.g.cs → 17, a twin.</summary>
        private static int? ProgramOfHint(string hint, out bool twin)
        {
            twin = false;
            if (!hint.StartsWith("P", StringComparison.Ordinal)) return null;
            var dot = hint.IndexOf('.');
            if (dot <= 1) return null;
            var name = hint.AsSpan(1, dot - 1);
            if (name.EndsWith("Unplanned", StringComparison.Ordinal))
            {
                twin = true;
                name = name[..^"Unplanned".Length];
            }
            return int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
        }

        /// <summary>H.Deep.g.cs → Deep.</summary>
        private static string? HelperOfHint(string hint)
        {
            if (!hint.StartsWith("H.", StringComparison.Ordinal)) return null;
            var name = hint.Substring(2).Split('.')[0];
            return RandomProgram.Helpers.ContainsKey(name) ? name : null;
        }
    }
}

public enum ProgramKind
{
    Scalar,
    Tensor,
}

/// <summary>One randomly composed program: a [Differentiable] static method F in its own partial class P{Index}.</summary>
public sealed class RandomProgram
{
    public required int Index { get; init; }
    public required int Seed { get; init; }
    public required ProgramKind Kind { get; init; }
    public required string Source { get; init; }
    public required int[]?[] Shapes { get; init; }
    public required bool ReturnsScalar { get; init; }
    public required IReadOnlySet<string> Features { get; init; }

    /// <summary>
    /// The same method with <c>[Differentiable(Plan = false)]</c> in class P{Index}Unplanned (its weight types are the
    /// program's): what the planned backward must return bit for bit. Null for scalar programs (planning rewrites tensor
    /// gradients only).
    /// </summary>
    public required string? Twin { get; init; }

    public string TypeName => "P" + Index.ToString(CultureInfo.InvariantCulture);

    public string TwinName => TypeName + "Unplanned";

    public override string ToString() => TypeName;

    /// <summary>A fixed helper: its method (in the partial class H, one source file each) and the helpers it calls.</summary>
    public sealed record Helper(string Method, params string[] Calls);

    /// <summary>The fixed helpers every program may call (chained pullbacks), defined once in the batch.</summary>
    public static readonly IReadOnlyDictionary<string, Helper> Helpers = new Dictionary<string, Helper>
    {
        ["Smooth"] = new("public static double Smooth(double a, double b) => Math.Tanh(a) * b + Math.Sin(b);"),
        ["Scale"] = new("public static double Scale(double s, [NoGradient] double k) => s * k + s * s;"),
        ["Norm"] = new("public static double Norm(Tensor<double> x) => Ops.Mean(Ops.Square(x));"),
        ["Layer"] = new("public static Tensor<double> Layer(Tensor<double> x, Tensor<double> w, Tensor<double> b) => Ops.Tanh(Ops.MatMul(x, w) + b);"),
        ["Gate"] = new("public static Tensor<double> Gate(Tensor<double> x, double s) => x * Ops.Sigmoid(x * s);"),
        ["Deep"] = new("""
            public static double Deep(Tensor<double> x, double s)
                {
                    var g = Gate(x, s);
                    return Norm(g) * s + Smooth(s, Norm(x));
                }
            """, "Gate", "Norm", "Smooth"),
    };

    /// <summary>
    /// The source with each tensor parameter of F and each weight member (W, B, U, as Make draws them) annotated with the
    /// shape it really has (<c>[Shape("2, 3")]</c>); what is already annotated stays as it is.
    /// </summary>
    public static string Annotate(string source, int[]?[] shapes)
    {
        var open = source.IndexOf(" F(", StringComparison.Ordinal);
        if (open >= 0 && shapes.Length > 0)
        {
            open += 3;
            // The parameter list's closing parenthesis and its top-level commas ([Shape("2, 3")] has both inside).
            var depth = 0;
            var quoted = false;
            var cuts = new List<int> { open - 1 };
            var close = open;
            for (; close < source.Length; close++)
            {
                var c = source[close];
                if (c == '"') quoted = !quoted;
                if (quoted) continue;
                if (c == '(') depth++;
                else if (c == ')' && depth-- == 0) break;
                else if (c == ',' && depth == 0) cuts.Add(close);
            }
            cuts.Add(close);
            var parameters = Enumerable.Range(0, cuts.Count - 1).Select(k => source.Substring(cuts[k] + 1, cuts[k + 1] - cuts[k] - 1).Trim()).ToArray();
            for (var i = 0; i < parameters.Length && i < shapes.Length; i++)
            {
                if (shapes[i] is { } shape && parameters[i].Contains("Tensor<double> ", StringComparison.Ordinal) && !parameters[i].Contains("[Shape(", StringComparison.Ordinal))
                {
                    parameters[i] = "[Shape(\"" + string.Join(", ", shape) + "\")] " + parameters[i];
                }
            }
            source = source.Substring(0, open) + string.Join(", ", parameters) + source.Substring(close);
        }
        foreach (var (member, shape) in new[] { ("W", "3, 3"), ("B", "3"), ("U", "2, 3") })
        {
            source = System.Text.RegularExpressions.Regex.Replace(source, @"(?<!\)\] )public (readonly )?Tensor<double> " + member + @"\b", m => "[Shape(\"" + shape + "\")] " + m.Value);
        }
        return source;
    }

    public static string HelperSource(string name) =>
        Harness.Usings + "public static partial class H\n{\n    [Differentiable]\n    " + Helpers[name].Method + "\n}\n";

    /// <summary>The helpers this program calls directly.</summary>
    public IEnumerable<string> HelpersCalled => Helpers.Keys.Where(h => Source.Contains("H." + h + "(", StringComparison.Ordinal));

    public static RandomProgram Generate(int index, int baseSeed)
    {
        var seed = unchecked(baseSeed * 31 + index * 7919);
        var kind = index % 2 == 0 ? ProgramKind.Scalar : ProgramKind.Tensor;
        return new Composer(new Random(seed), kind).Compose(index, seed);
    }

    // ── the composer ─────────────────────────────────────────────────────────────────────────

    /// <summary>Value kinds: a double, or a tensor of one of the fixed shapes.</summary>
    private enum K
    {
        S,   // double
        M23, // [2,3]
        R3,  // [3] (a row that broadcasts over [2,3] and [3,3])
        W33, // [3,3]
        T32, // [3,2]
        Q22, // [2,2]
        Z,   // [2,3,6] (the heads block's qkv; read only there)
    }

    /// <summary>An expression: its text (parenthesised unless atomic), kind, a bound on its magnitude, and whether it is an identifier or literal.</summary>
    private sealed record E(string Text, K Kind, double Bound, bool Atomic = false, bool Const = false);

    private sealed class Var
    {
        public required string Name;
        public required K Kind;
        public double Bound;
        public bool IsParameter;
        public bool Passive; // [NoGradient] or int
        public bool Active;  // depends on a differentiable parameter
        public int Uses;
    }

    private sealed class Composer
    {
        private const int MaxDepth = 4;
        private const double Cap = 8;

        private readonly Random _r;
        private readonly ProgramKind _kind;
        private readonly List<Var> _vars = new();
        private readonly HashSet<string> _features = new(StringComparer.Ordinal);
        private int _locals;
        private K _resultKind = K.S;

        /// <summary>Draws whether a statement is an early return, apart from <see cref="_r"/>, so programs without one are the same as before early returns were drawn.</summary>
        private Random _returns = new(0);

        /// <summary>Draws whether a tensor expression is cut into columns and joined again, apart from <see cref="_r"/> (as <see cref="_returns"/>).</summary>
        private Random _splits = new(0);

        /// <summary>Draws whether a LayerNorm's input is an intermediate only it reads, apart from <see cref="_r"/> (as <see cref="_returns"/>).</summary>
        private Random _layerNorms = new(0);

        /// <summary>Draws whether a variable's columns are sliced apart as gates (slices tiling an axis), apart from <see cref="_r"/> (as <see cref="_returns"/>).</summary>
        private Random _gates = new(0);

        /// <summary>
        /// Draws the planning patterns (Planner.cs's rules and their near misses), the [Shape] annotations they need and the
        /// attention-heads parameter z, apart from <see cref="_r"/> (as <see cref="_returns"/>).
        /// </summary>
        private Random _plans = new(0);
        private bool _hasHeads; // a rank-3 parameter z [2, 3, 6] (qkv-like), read by one heads block
        private bool _headsDone;
        private bool _headsInt; // an int parameter n = 3: the heads' slices written as forms of n − 1
        private bool _hasInt; // an int parameter n: only ever multiplied with a double (int arithmetic is not in the vocabulary)
        private int _maxDepthReached;

        public Composer(Random random, ProgramKind kind)
        {
            _r = random;
            _kind = kind;
        }

        private bool Tensor => _kind == ProgramKind.Tensor;

        private bool Chance(double p) => _r.NextDouble() < p;

        private T Pick<T>(IReadOnlyList<T> items) => items[_r.Next(items.Count)];

        private void Use(string feature) => _features.Add(feature);

        public RandomProgram Compose(int index, int seed)
        {
            var parameters = new List<(string Declaration, int[]? Shape)>();
            _plans = new Random(seed ^ 0x91a4);
            if (Tensor) TensorParameters(parameters);
            else ScalarParameters(parameters);
            if (Tensor && _plans.NextDouble() < 0.3)
            {
                // z: the fused qkv of an attention layer, [B, T, 3·C] = [2, 3, 6], its shape declared (the heads rule needs the rank).
                parameters.Add(("[Shape(\"2, 3, 6\")] Tensor<double> z", [2, 3, 6]));
                _vars.Add(new Var { Name = "z", Kind = K.Z, Bound = 2, IsParameter = true, Active = true });
                _hasHeads = true;
                Use("plan: heads block");
                if (_plans.NextDouble() < 0.4)
                {
                    // n (3 when checked): the heads' starts and lengths as linear forms of it, which the tiled rule reads exactly.
                    parameters.Add(("int n", null));
                    _headsInt = true;
                    Use("plan: heads slices as forms of an int parameter");
                }
            }

            var resultKind = K.S;
            if (Tensor && Chance(0.5))
            {
                resultKind = Pick(AvailableTensorKinds().Concat([K.M23, K.M23]).ToList());
            }
            Use(resultKind == K.S ? "scalar result" : "tensor result");
            _resultKind = resultKind;
            _returns = new Random(seed ^ 0x5eed);
            _splits = new Random(seed ^ 0x5b1c);
            _layerNorms = new Random(seed ^ 0x2e7d);
            _gates = new Random(seed ^ 0x6a7e);

            var body = new StringBuilder();
            var statements = Chance(0.25) ? 0 : 1 + _r.Next(5);
            if (_hasHeads && statements == 0) statements = 1; // the heads block is a statement
            string header = "    public static " + (resultKind == K.S ? "double" : "Tensor<double>") + " F(" + string.Join(", ", parameters.Select(p => p.Declaration)) + ")";
            // Now and then the classic shapes of a loss and of a layer: cross-entropy of logits, or a layer call, returned.
            E Result() =>
                Chance(0.08) ? Conditional(resultKind)
                : resultKind == K.S && HasTargets && Chance(0.3) ? CrossEntropy(1)
                : resultKind != K.S && TensorCallPossible(resultKind) && Chance(0.15) ? TensorCall(resultKind, 1) ?? Gen(resultKind, 0)
                : Gen(resultKind, 0);
            if (statements == 0)
            {
                Use("expression body");
                var result = Liven(Result());
                body.Append(header).Append(" =>\n        ").Append(result.Text).Append(";\n");
            }
            else
            {
                body.Append(header).Append("\n    {\n");
                for (var s = 0; s < statements; s++) body.Append("        ").Append(Statement()).Append('\n');
                var result = Liven(Result());
                body.Append("        return ").Append(result.Text).Append(";\n    }\n");
            }
            if (_vars.Any(v => v.Uses >= 2)) Use("fan-out");
            if (_maxDepthReached >= MaxDepth) Use("depth " + MaxDepth);

            var text = body.ToString();
            var weightType = Tensor ? WeightObject(index, seed, parameters, header, ref text) : "";
            if (Tensor && _plans.NextDouble() < 0.75)
            {
                // The true shapes declared (what the bias rules need to know a row): the signature and the weight members.
                Use("[Shape] declared");
                text = Annotate(text, parameters.Select(p => p.Shape).ToArray());
                weightType = Annotate(weightType, []);
            }
            var source = Harness.Usings + "\n// random program " + index + " (seed " + seed.ToString(CultureInfo.InvariantCulture) + ")\npublic static partial class P" + index.ToString(CultureInfo.InvariantCulture) +
                         "\n{\n    [Differentiable]\n" + text + "}\n" + weightType;
            var twin = Harness.Usings + "\n// random program " + index + ", unplanned\npublic static partial class P" + index.ToString(CultureInfo.InvariantCulture) +
                       "Unplanned\n{\n    [Differentiable(Plan = false)]\n" + text + "}\n";
            return new RandomProgram
            {
                Index = index,
                Seed = seed,
                Kind = _kind,
                Source = source,
                Shapes = parameters.Select(p => p.Shape).ToArray(),
                ReturnsScalar = resultKind == K.S,
                Features = _features,
                Twin = Tensor ? twin : null,
            };
        }

        /// <summary>
        /// Now and then (a draw of <see cref="_plans"/>) the result also reads the tensor locals nothing read, by their mean:
        /// a pattern drawn into a local is then live, not dropped as dead code before planning sees it.
        /// </summary>
        private E Liven(E result)
        {
            if (!Tensor || _plans.NextDouble() >= 0.7) return result;
            var unused = _vars.Where(v => !v.IsParameter && v.Uses == 0 && v.Active && v.Kind is not (K.S or K.Z)).Take(3).ToList();
            if (unused.Count == 0) return result;
            Use("unread locals read by the result");
            Use("Mean");
            var text = "(" + result.Text + string.Concat(unused.Select(v => " + Ops.Mean(" + Read(v).Text + ")")) + ")";
            return new E(text, result.Kind, result.Bound + unused.Sum(v => v.Bound));
        }

        // ── weight objects ──────────────────────────────────────────────────────────────────

        /// <summary>
        /// Now and then (a draw of its own, so the program's other draws stay as they were) moves differentiable parameters
        /// of a tensor program — w, b, u and the scalar s — into a weight object <c>M{index} model</c>: its tensors as
        /// readonly fields or get-only properties, directly or in a nested object, the scalar a learned { get; set; } member;
        /// the body reads <c>model.W</c>, <c>model.Layer.B</c>, <c>model.S</c> where it read the parameters. Returns the
        /// weight types' source ("" when the program keeps its parameters).
        /// </summary>
        private string WeightObject(int index, int seed, List<(string Declaration, int[]? Shape)> parameters, string header, ref string text)
        {
            var r = new Random(unchecked(seed * 17 + 5));
            if (r.NextDouble() >= 0.3) return "";
            var movable = new (string Declaration, string Name, string Member, string Type, string Shape)[]
            {
                ("Tensor<double> w", "w", "W", "Tensor<double>", "new[] { 3, 3 }"),
                ("Tensor<double> b", "b", "B", "Tensor<double>", "new[] { 3 }"),
                ("Tensor<double> u", "u", "U", "Tensor<double>", "new[] { 2, 3 }"),
                ("double s", "s", "S", "double", ""),
            }.Where(m => parameters.Any(p => p.Declaration == m.Declaration) && r.NextDouble() < 0.8).ToList();
            if (!movable.Any(m => m.Type != "double")) return ""; // a weight type holds at least one tensor
            var suffix = index.ToString(CultureInfo.InvariantCulture);
            var nested = movable.Count(m => m.Type != "double") >= 2 && r.NextDouble() < 0.5;
            var fields = r.NextDouble() < 0.5; // readonly fields, or get-only properties
            Use("weight object");
            if (nested) Use("nested weight object");
            if (movable.Any(m => m.Type == "double")) Use("scalar member");

            string TensorMember(string name) => fields ? "    public readonly Tensor<double> " + name + ";\n" : "    public Tensor<double> " + name + " { get; }\n";
            var inner = movable.Where(m => nested && m.Type != "double").ToList();
            var outer = movable.Except(inner).ToList();
            var types = new StringBuilder();
            if (inner.Count > 0)
            {
                types.Append("\npublic sealed class L").Append(suffix).Append("\n{\n");
                foreach (var m in inner) types.Append(TensorMember(m.Member));
                types.Append("    public L").Append(suffix).Append('(').Append(string.Join(", ", inner.Select(m => m.Type + " " + m.Name))).Append(") { ")
                    .Append(string.Join(" ", inner.Select(m => m.Member + " = " + m.Name + ";"))).Append(" }\n}\n");
            }
            types.Append("\npublic sealed class M").Append(suffix).Append("\n{\n");
            if (inner.Count > 0) types.Append(fields ? "    public readonly L" + suffix + " Layer;\n" : "    public L" + suffix + " Layer { get; }\n");
            foreach (var m in outer) types.Append(m.Type == "double" ? "    public double " + m.Member + " { get; set; }\n" : TensorMember(m.Member));
            types.Append("    public M").Append(suffix).Append('(').Append(string.Join(", ", movable.Select(m => m.Type + " " + m.Name))).Append(") { ")
                .Append(inner.Count > 0 ? "Layer = new L" + suffix + "(" + string.Join(", ", inner.Select(m => m.Name)) + "); " : "")
                .Append(string.Join(" ", outer.Select(m => m.Member + " = " + m.Name + ";"))).Append(" }\n");
            // GradientChecker builds the argument through Make, drawing each tensor and scalar as it draws parameters.
            types.Append("    public static M").Append(suffix).Append(" Make(Func<int[], Tensor<double>> tensor, Func<double> scalar) => new(")
                .Append(string.Join(", ", movable.Select(m => m.Type == "double" ? "scalar()" : "tensor(" + m.Shape + ")"))).Append(");\n}\n");

            // The signature: the weight object where the first moved parameter was.
            var first = parameters.FindIndex(p => movable.Any(m => m.Declaration == p.Declaration));
            parameters[first] = ("M" + suffix + " model", null);
            parameters.RemoveAll(p => movable.Any(m => m.Declaration == p.Declaration));
            var newHeader = header.Substring(0, header.IndexOf('(') + 1) + string.Join(", ", parameters.Select(p => p.Declaration)) + ")";
            var rest = text.Substring(header.Length);
            foreach (var m in movable)
            {
                var path = "model." + (inner.Contains(m) ? "Layer." : "") + m.Member;
                rest = System.Text.RegularExpressions.Regex.Replace(rest, @"(?<![\w.@])" + m.Name + @"(?!\w)", path);
            }
            text = newHeader + rest;
            return types.ToString();
        }

        // ── parameters ──────────────────────────────────────────────────────────────────────

        private void AddParameter(List<(string, int[]?)> list, string name, K kind, bool noGradient = false, string? type = null)
        {
            var typeName = type ?? (kind == K.S ? "double" : "Tensor<double>");
            list.Add(((noGradient ? "[NoGradient] " : "") + typeName + " " + name, kind switch
            {
                K.M23 => [2, 3],
                K.R3 => [3],
                K.W33 => [3, 3],
                _ => null,
            }));
            if (type is null) _vars.Add(new Var { Name = name, Kind = kind, Bound = 2, IsParameter = true, Passive = noGradient, Active = !noGradient });
            if (noGradient) Use(kind == K.S ? "[NoGradient] scalar" : "[NoGradient] tensor");
        }

        private void ScalarParameters(List<(string, int[]?)> list)
        {
            var pool = new List<Action>
            {
                () => AddParameter(list, "a", K.S),
                () => AddParameter(list, "b", K.S),
            };
            if (Chance(0.6)) pool.Add(() => AddParameter(list, "c", K.S));
            if (Chance(0.3)) pool.Add(() => AddParameter(list, "d", K.S));
            if (Chance(0.25)) pool.Add(() => AddParameter(list, "k", K.S, noGradient: true));
            if (Chance(0.15))
            {
                pool.Add(() =>
                {
                    AddParameter(list, "n", K.S, type: "int");
                    _hasInt = true;
                });
            }
            foreach (var add in pool.OrderBy(_ => _r.Next())) add();
        }

        private void TensorParameters(List<(string, int[]?)> list)
        {
            // x ([2,3]) comes first: GradientChecker takes the targets' length and range from the first matrix.
            var xPassive = Chance(0.08);
            AddParameter(list, "x", K.M23, noGradient: xPassive);
            var rest = new List<Action>();
            var wanted = new List<(string, K, bool)>();
            if (Chance(0.7)) wanted.Add(("w", K.W33, false));
            if (Chance(0.6)) wanted.Add(("b", K.R3, false));
            if (Chance(0.55)) wanted.Add(("s", K.S, false));
            if (Chance(0.3)) wanted.Add(("u", K.M23, false));
            if (Chance(0.15)) wanted.Add(("m", K.M23, true));
            if (Chance(0.15)) wanted.Add(("k", K.S, true));
            if (xPassive && !wanted.Any(w => !w.Item3)) wanted.Add(("u", K.M23, false));
            foreach (var (name, kind, passive) in wanted) rest.Add(() => AddParameter(list, name, kind, passive));
            if (Chance(0.35)) rest.Add(() => { list.Add(("int[] t", null)); Use("targets"); });
            foreach (var add in rest.OrderBy(_ => _r.Next())) add();
        }

        private bool HasTargets => Tensor && _features.Contains("targets");

        private IEnumerable<K> AvailableTensorKinds()
        {
            yield return K.M23;
            yield return K.W33;
            yield return K.T32;
            yield return K.Q22;
            if (_vars.Any(v => v.Kind == K.R3)) yield return K.R3;
        }

        private List<K> AvailableKinds() => Tensor ? AvailableTensorKinds().Append(K.S).Append(K.M23).ToList() : [K.S];

        // ── statements ──────────────────────────────────────────────────────────────────────

        private string Statement()
        {
            if (_hasHeads && !_headsDone)
            {
                _headsDone = true;
                return HeadsBlock();
            }
            if (Tensor && _plans.NextDouble() < 0.15 && PlanStatement() is { } planned) return planned;
            var locals = _vars.Where(v => !v.IsParameter).ToList();
            if (_returns.NextDouble() < 0.07)
            {
                // An early return: the rest of the method lies in the other branch.
                Use("early return");
                var condition = Condition();
                return "if (" + condition + ") return " + Gen(_resultKind, 1).Text + ";";
            }
            if (locals.Count > 0 && Chance(0.12))
            {
                // A loop carrying a local from one iteration to the next, two applications of the body in every form (so the
                // magnitudes stay what Reassign assumed): counted, tested by C# each iteration, left by break, skipped by continue.
                Use("loop");
                var local = Pick(locals);
                switch (_r.Next(7))
                {
                    case 0:
                        Use("while loop");
                        return "{ var it = 0; while (it < 2) { " + Reassign(local) + " it++; } }";
                    case 1:
                        Use("do loop");
                        return "{ var it = 0; do { " + Reassign(local) + " it += 1; } while (it < 2); }";
                    case 2:
                        // C# tests i < bound before every iteration: bound = 3, 2, 1 against i = 0, 1, 2.
                        Use("loop bound changed by body");
                        return "{ var bound = 3; for (int i = 0; i < bound; i++) { bound = bound - 1; " + Reassign(local) + " } }";
                    case 3:
                        Use("break");
                        return "for (int i = 0; i < 5; i++) { " + Reassign(local) + " if (i == 1) break; }";
                    case 4:
                        Use("continue");
                        return "for (int i = 0; i < 3; i++) { if (i == 1) continue; " + Reassign(local) + " }";
                    case 5:
                        Use("while loop");
                        Use("break");
                        return "{ var it = 0; while (true) { " + Reassign(local) + " it++; if (it == 2) { break; } } }";
                    default:
                        return "for (int i = 0; i < 2; i++) { " + Reassign(local) + " }";
                }
            }
            if (locals.Count > 0 && Chance(0.12))
            {
                // A branch on a comparison of a differentiated scalar (or on a shape): the gradient flows through the branch taken.
                Use("branch");
                var condition = Condition();
                var then = Reassign(Pick(locals));
                return Chance(0.3) ? "if (" + condition + ") { " + then + " }" : "if (" + condition + ") { " + then + " } else { " + Reassign(Pick(locals)) + " }";
            }
            if (locals.Count > 0 && Chance(0.4)) return Reassign(Pick(locals));
            var kind = Pick(AvailableKinds());
            var value = Chance(0.1) ? Leaf(kind) : Gen(kind, Chance(0.5) ? 1 : 0);
            // A local initialised with a constant would be an int (outside the vocabulary) or a warning when unused.
            while (value.Const) value = Gen(kind, 1);
            var name = "h" + (_locals++).ToString(CultureInfo.InvariantCulture);
            _vars.Add(new Var { Name = name, Kind = kind, Bound = value.Bound, Active = IsActive(value) });
            Use("local");
            return "var " + name + " = " + value.Text + ";";
        }

        /// <summary><c>c ? a : b</c> of the result's kind.</summary>
        private E Conditional(K kind)
        {
            Use("conditional");
            var condition = Condition();
            var a = Gen(kind, 1);
            var b = Gen(kind, 1);
            return new E("(" + condition + " ? " + a.Text + " : " + b.Text + ")", kind, Math.Max(a.Bound, b.Bound));
        }

        /// <summary>A branch condition: a differentiated scalar compared with a constant, or a shape test.</summary>
        private string Condition()
        {
            var scalars = _vars.Where(v => v.Kind == K.S).ToList();
            if (scalars.Count == 0) return Tensor ? "x.Lengths[0] == 2" : "true";
            var v = Pick(scalars);
            v.Uses++;
            return v.Name + (Chance(0.5) ? " > " : " < ") + (Chance(0.5) ? "0.3" : "-0.2");
        }

        private string Reassign(Var local)
        {
            Use("reassigned local");
            var kind = local.Kind;
            E value;
            if (kind == K.S && Chance(0.35))
            {
                Use("compound assignment");
                local.Uses++; // h op= e reads h
                switch (_r.Next(4))
                {
                    case 0:
                    {
                        var e = Gen(K.S, 1);
                        return Finish(local, "+=", e, new E("", K.S, local.Bound + e.Bound));
                    }
                    case 1:
                    {
                        var e = Gen(K.S, 1);
                        return Finish(local, "-=", e, new E("", K.S, local.Bound + e.Bound));
                    }
                    case 2:
                    {
                        var e = Small(K.S, 1);
                        return Finish(local, "*=", e, new E("", K.S, local.Bound * e.Bound));
                    }
                    default:
                    {
                        var e = Positive(K.S, 1);
                        return Finish(local, "/=", e, new E("", K.S, local.Bound * 3));
                    }
                }
            }
            switch (_r.Next(4))
            {
                case 0: // h = h + e  (the residual pattern)
                {
                    var e = Gen(Compatible(kind), 1);
                    value = Combine(Read(local), e, Pick(new[] { "+", "-" }), local.Kind);
                    break;
                }
                case 1: // h = h * e
                {
                    var e = Small(Compatible(kind), 1);
                    value = Combine(Read(local), e, "*", local.Kind);
                    break;
                }
                case 2: // h = f(h)
                    value = kind == K.S ? Call("Math.Sin", K.S, 1, Read(local)) : Call("Ops.Tanh", kind, 1, Read(local));
                    if (kind != K.S) Use("Ops.Tanh"); else Use("Math.Sin");
                    break;
                default: // h = e (the old value is dead from here on, or read by e)
                    do value = Gen(kind, 1); while (value.Text == local.Name || value.Const);
                    break;
            }
            value = Squash(value);
            local.Bound = value.Bound;
            local.Active = IsActive(value);
            return local.Name + " = " + value.Text + ";";
        }

        private string Finish(Var local, string op, E operand, E result)
        {
            local.Active |= IsActive(operand);
            if (result.Bound > Cap)
            {
                // Keep magnitudes bounded: squash instead of compounding.
                var squashed = Squash(Combine(new E(local.Name, K.S, local.Bound, true), operand, op.Substring(0, 1), K.S));
                local.Bound = squashed.Bound;
                return local.Name + " = " + squashed.Text + ";";
            }
            local.Bound = result.Bound;
            return local.Name + " " + op + " " + operand.Text + ";";
        }

        /// <summary>A kind that combines element-wise with a value of kind <paramref name="kind"/> into that kind.</summary>
        private K Compatible(K kind)
        {
            if (kind == K.S) return K.S;
            var options = new List<K> { kind, kind, K.S };
            if ((kind == K.M23 || kind == K.W33) && _vars.Any(v => v.Kind == K.R3)) options.Add(K.R3);
            return Pick(options);
        }

        // ── expressions ─────────────────────────────────────────────────────────────────────

        /// <summary>Whether an expression depends on a differentiable parameter: whether it reads an active variable.</summary>
        private bool IsActive(E e) =>
            System.Text.RegularExpressions.Regex.Matches(e.Text, @"\b[a-z]\w*\b").Any(m => _vars.Any(v => v.Active && v.Name == m.Value));

        /// <summary>A tensor argument for a helper call: active or not (an inactive one makes the caller pass a scratch gradient buffer).</summary>
        private E? TensorArgument(K kind, int d) => Gen(kind, d);

        private E Read(Var v)
        {
            v.Uses++;
            return new E(v.Name, v.Kind, v.Bound, true);
        }

        private E Gen(K kind, int depth)
        {
            _maxDepthReached = Math.Max(_maxDepthReached, depth);
            if (depth >= MaxDepth || Chance(0.12 + 0.18 * depth)) return Leaf(kind);
            var e = kind == K.S ? ScalarProduction(depth) : TensorProduction(kind, depth);
            return Squash(e);
        }

        /// <summary>Wraps an expression whose magnitude may be large in a bounded function.</summary>
        private E Squash(E e)
        {
            if (e.Bound <= Cap) return e;
            Use(e.Kind == K.S ? "Math.Tanh" : "Ops.Tanh");
            return e.Kind == K.S ? new E("Math.Tanh(" + e.Text + ")", K.S, 1) : new E("Ops.Tanh(" + e.Text + ")", e.Kind, 1);
        }

        private E Leaf(K kind)
        {
            var candidates = _vars.Where(v => v.Kind == kind).ToList();
            var weighted = candidates.SelectMany(v => Enumerable.Repeat(v, v.IsParameter ? 1 : 3)).ToList();
            if (kind == K.S)
            {
                if (weighted.Count == 0 || Chance(0.2)) return Constant();
                if (Tensor && Chance(0.1))
                {
                    Use("Mean");
                    return new E("Ops.Mean(" + Leaf(K.M23).Text + ")", K.S, 2);
                }
                return Read(Pick(weighted));
            }
            if (weighted.Count > 0 && (kind is K.M23 or K.R3 or K.W33 || Chance(0.7)))
            {
                var v = Pick(weighted);
                var read = Read(v);
                if (kind == K.M23 && !v.IsParameter && _gates.NextDouble() < 0.1)
                {
                    // A local's columns as gates, an LSTM's way (a draw of its own): slices that tile its last axis, each
                    // through its own function, joined again — their gradients write their own ranges of the local's.
                    Use("slices as gates");
                    return new E("Ops.Concat(1, Ops.Sigmoid(Ops.Slice(" + read.Text + ", 1, 0, 1)), Ops.Tanh(Ops.Slice(" + read.Text + ", 1, 1, 2)))", kind, 1);
                }
                return read;
            }
            switch (kind)
            {
                case K.T32:
                    Use("Transpose");
                    var m = Leaf(K.M23);
                    return new E("Ops.Transpose(" + m.Text + ")", K.T32, m.Bound);
                case K.Q22:
                {
                    Use("MatMul");
                    Use("Transpose");
                    var a = Leaf(K.M23);
                    var b = Leaf(K.M23);
                    return Squash(new E("Ops.MatMul(" + a.Text + ", Ops.Transpose(" + b.Text + "))", K.Q22, 3 * a.Bound * b.Bound));
                }
                case K.W33:
                {
                    Use("MatMul");
                    Use("Transpose");
                    var a = Leaf(K.M23);
                    var b = Leaf(K.M23);
                    return Squash(new E("Ops.MatMul(Ops.Transpose(" + a.Text + "), " + b.Text + ")", K.W33, 2 * a.Bound * b.Bound));
                }
                default:
                    throw new InvalidOperationException("no leaf of kind " + kind);
            }
        }

        private E Constant()
        {
            Use("constant");
            var text = Pick(new[] { "2", "3", "0.5", "1.5", "2.0", "0.25", "(-1.5)", "(-0.5)", "1.0" });
            var value = Math.Abs(double.Parse(text.Trim('(', ')'), CultureInfo.InvariantCulture));
            return new E(text, K.S, value, Atomic: true, Const: true);
        }

        private E Call(string function, K kind, double bound, params E[] arguments) =>
            new(function + "(" + string.Join(", ", arguments.Select(a => a.Text)) + ")", kind, bound);

        /// <summary>Binary arithmetic, as an operator; the result kind is given (broadcasting decides it).</summary>
        private E Combine(E left, E right, string op, K kind)
        {
            var isTensor = left.Kind != K.S || right.Kind != K.S;
            var bound = op switch
            {
                "*" => left.Bound * right.Bound,
                "/" => left.Bound * 3, // every denominator is ≥ 1/e
                _ => left.Bound + right.Bound,
            };
            if (!isTensor)
            {
                Use(op switch { "+" => "scalar +", "-" => "scalar -", "*" => "scalar *", _ => "scalar /" });
            }
            else
            {
                Use("tensor " + op + " (operator)");
                Mix(left, right);
            }
            return new E("(" + left.Text + " " + op + " " + right.Text + ")", kind, bound, Const: left.Const && right.Const);
        }

        private void Mix(E left, E right)
        {
            if (left.Kind == K.S && right.Kind != K.S) Use("scalar-tensor");
            if (left.Kind != K.S && right.Kind == K.S) Use("tensor-scalar");
            if (left.Kind != K.S && right.Kind != K.S && left.Kind != right.Kind) Use("broadcast row");
        }

        /// <summary>An element-wise op as a GradGen.Ops method call.</summary>
        private E OpsCall(string op, E left, E right, K kind)
        {
            Use("Ops." + op);
            Mix(left, right);
            var bound = op switch
            {
                "Multiply" => left.Bound * right.Bound,
                "Divide" => left.Bound * 3,
                _ => left.Bound + right.Bound,
            };
            return new E("Ops." + op + "(" + left.Text + ", " + right.Text + ")", kind, bound);
        }

        /// <summary>An expression of the kind whose value is ≥ 1/e everywhere (for Log, Sqrt, denominators).</summary>
        private E Positive(K kind, int depth)
        {
            var e = Gen(kind, depth + 1);
            if (kind == K.S)
            {
                switch (_r.Next(e.Atomic ? 4 : 3))
                {
                    case 0:
                        Use("Math.Sin"); Use("scalar +");
                        return new E("(2 + Math.Sin(" + e.Text + "))", K.S, 3);
                    case 1:
                        Use("Math.Exp"); Use("Math.Tanh");
                        return new E("Math.Exp(Math.Tanh(" + e.Text + "))", K.S, Math.E);
                    case 2:
                        Use("Math.Cos"); Use("scalar -");
                        return new E("(2.5 - Math.Cos(" + e.Text + "))", K.S, 3.5);
                    default:
                        Use("scalar *");
                        var used = _vars.FirstOrDefault(v => v.Name == e.Text);
                        if (used is not null) used.Uses++;
                        return new E("(" + e.Text + " * " + e.Text + " + 1)", K.S, e.Bound * e.Bound + 1, Const: e.Const);
                }
            }
            switch (_r.Next(e.Bound <= 5 ? 5 : 4))
            {
                case 0:
                    Use("Ops.Square"); Use("tensor-scalar");
                    return new E("(Ops.Square(" + e.Text + ") + 1.0)", kind, e.Bound * e.Bound + 1);
                case 1:
                    Use("Ops.Exp"); Use("Ops.Tanh");
                    return new E("Ops.Exp(Ops.Tanh(" + e.Text + "))", kind, Math.E);
                case 2:
                    Use("Sigmoid"); Use("tensor-scalar");
                    return new E("(Ops.Sigmoid(" + e.Text + ") + 0.5)", kind, 1.5);
                case 3:
                    Use("Ops.Add"); Use("scalar-tensor"); Use("Ops.Square");
                    return new E("Ops.Add(1.0, Ops.Square(" + e.Text + "))", kind, e.Bound * e.Bound + 1);
                default:
                    // Softmax of a bounded expression: entries in (e^-2B/n, 1), far from 0 for B ≤ 5.
                    Use("Softmax"); Use("Ops.Add"); Use("tensor-scalar");
                    if (kind == K.R3) Use("Softmax of a row");
                    return new E("Ops.Add(Ops.Softmax(" + e.Text + "), 0.5)", kind, 1.5);
            }
        }

        /// <summary>An expression of the kind bounded by 1 in magnitude, or a small one (for Exp and for products).</summary>
        private E Small(K kind, int depth)
        {
            var e = Gen(kind, depth + 1);
            if (e.Bound <= 2 && Chance(0.4)) return e;
            if (kind == K.S)
            {
                switch (_r.Next(3))
                {
                    case 0: Use("Math.Tanh"); return Call("Math.Tanh", K.S, 1, e);
                    case 1: Use("Math.Sin"); return Call("Math.Sin", K.S, 1, e);
                    default: Use("Math.Cos"); return Call("Math.Cos", K.S, 1, e);
                }
            }
            switch (_r.Next(3))
            {
                case 0: Use("Ops.Tanh"); return Call("Ops.Tanh", kind, 1, e);
                case 1: Use("Sigmoid"); return Call("Ops.Sigmoid", kind, 1, e);
                default:
                    Use("Softmax");
                    if (kind == K.R3) Use("Softmax of a row");
                    return Call("Ops.Softmax", kind, 1, e);
            }
        }

        // ── calls of the helpers ────────────────────────────────────────────────────────────

        /// <summary>A call of a scalar helper.</summary>
        private E ScalarCall(int d)
        {
            Use("helper call");
            var options = new List<Func<E?>>
            {
                () => { var a = Gen(K.S, d); var b = Gen(K.S, d); return Call("H.Smooth", K.S, b.Bound + 1, a, b); },
                () =>
                {
                    var passive = _vars.Where(v => v.Passive && v.Kind == K.S).ToList();
                    // Only a passive value may go into Scale's [NoGradient] parameter: an active one would have its gradient stopped by design.
                    var k = passive.Count > 0 && Chance(0.6) ? Read(Pick(passive)) : Constant();
                    var s = Small(K.S, d);
                    return new E("H.Scale(" + s.Text + ", " + k.Text + ")", K.S, s.Bound * k.Bound + s.Bound * s.Bound);
                },
            };
            if (Tensor)
            {
                var kinds = AvailableTensorKinds().ToList();
                options.Add(() => TensorArgument(Pick(kinds), d) is { } e ? Call("H.Norm", K.S, e.Bound * e.Bound, e) : null);
                options.Add(() =>
                {
                    if (TensorArgument(Pick(kinds), d) is not { } x) return null;
                    Use("nested helper call");
                    var s = Small(K.S, d);
                    return new E("H.Deep(" + x.Text + ", " + s.Text + ")", K.S, 2 * x.Bound * x.Bound + 1);
                });
            }
            return Pick(options)() ?? options[0]()!;
        }

        private bool TensorCallPossible(K kind) => kind is not K.R3 || _vars.Any(v => v.Kind == K.R3);

        /// <summary>
        /// A call of a tensor-valued helper (null when no active tensor arguments were found, see <see cref="TensorArgument"/>).
        /// </summary>
        private E? TensorCall(K kind, int d)
        {
            if (kind is K.M23 or K.W33 && _vars.Any(v => v.Kind == K.R3) && Chance(0.5))
            {
                if (TensorArgument(kind, d) is not { } x || TensorArgument(K.W33, d) is not { } w || TensorArgument(K.R3, d) is not { } b) return null;
                Use("helper call"); Use("tensor-valued helper call"); Use("MatMul"); Use("broadcast row");
                return new E("H.Layer(" + x.Text + ", " + w.Text + ", " + b.Text + ")", kind, 1);
            }
            if (TensorArgument(kind, d) is not { } e) return null;
            Use("helper call"); Use("tensor-valued helper call");
            var s = Small(K.S, d);
            return new E("H.Gate(" + e.Text + ", " + s.Text + ")", kind, e.Bound);
        }

        private E CrossEntropy(int d)
        {
            Use("SoftmaxCrossEntropy");
            var z = Gen(K.M23, d);
            return new E("Ops.SoftmaxCrossEntropy(" + z.Text + ", t)", K.S, 2 * z.Bound + 2);
        }

        private E ScalarProduction(int depth)
        {
            var d = depth + 1;
            var options = new List<Func<E>>
            {
                () => Combine(Gen(K.S, d), Gen(K.S, d), "+", K.S),
                () => Combine(Gen(K.S, d), Gen(K.S, d), "-", K.S),
                () => Combine(Gen(K.S, d), Gen(K.S, d), "*", K.S),
                () => Combine(Gen(K.S, d), Small(K.S, d), "*", K.S),
                () => Combine(Gen(K.S, d), Positive(K.S, d), "/", K.S),
                () => { Use("scalar negate"); var e = Gen(K.S, d); return new E("(-" + e.Text + ")", K.S, e.Bound, Const: e.Const); },
                () => { Use("Math.Sin"); return Call("Math.Sin", K.S, 1, Gen(K.S, d)); },
                () => { Use("Math.Cos"); return Call("Math.Cos", K.S, 1, Gen(K.S, d)); },
                () => { Use("Math.Tanh"); return Call("Math.Tanh", K.S, 1, Gen(K.S, d)); },
                () => { Use("Math.Exp"); var e = Small(K.S, d); return Call("Math.Exp", K.S, Math.Exp(Math.Min(e.Bound, 3)), e); },
                () => { Use("Math.Log"); var e = Positive(K.S, d); return Call("Math.Log", K.S, Math.Log(e.Bound) + 1, e); },
                () => { Use("Math.Sqrt"); var e = Positive(K.S, d); return Call("Math.Sqrt", K.S, Math.Sqrt(e.Bound), e); },
                () =>
                {
                    Use("Math.Pow");
                    var b = Positive(K.S, d);
                    if (Chance(0.5))
                    {
                        var (text, p) = Pick(new[] { ("0.5", 0.5), ("1.5", 1.5), ("2", 2.0), ("3.0", 3.0), ("(-1.0)", -1.0) });
                        Use("constant");
                        return new E("Math.Pow(" + b.Text + ", " + text + ")", K.S, p > 0 ? Math.Pow(b.Bound, p) : Math.E);
                    }
                    var exponent = Small(K.S, d);
                    return new E("Math.Pow(" + b.Text + ", " + exponent.Text + ")", K.S, Math.Max(b.Bound, Math.E));
                },
                () => ScalarCall(d),
                () => ScalarCall(d),
            };
            var rawScalars = _vars.Where(v => v.IsParameter && v.Kind == K.S).ToList();
            if (rawScalars.Count > 0)
            {
                // Kinks only at raw parameters (inputs are ±[0.2, 2]) against another parameter or a constant far from them.
                options.Add(() => { Use("Math.Abs"); var v = Read(Pick(rawScalars)); return new E("Math.Abs(" + v.Text + ")", K.S, v.Bound); });
                foreach (var f in new[] { "Max", "Min" })
                {
                    options.Add(() =>
                    {
                        Use("Math." + f);
                        var v = Read(Pick(rawScalars));
                        var others = rawScalars.Where(o => o.Name != v.Text).ToList();
                        var w = others.Count > 0 && Chance(0.7) ? Read(Pick(others)) : new E(Pick(new[] { "0.0", "0.05", "(-0.05)" }), K.S, 0.05, true);
                        return new E("Math." + f + "(" + v.Text + ", " + w.Text + ")", K.S, Math.Max(v.Bound, w.Bound));
                    });
                }
            }
            if (_hasInt)
            {
                var doubles = _vars.Where(v => v.Kind == K.S).ToList();
                options.Add(() => { Use("passive int"); Use("scalar *"); var e = Read(Pick(doubles)); return new E("(n * " + e.Text + ")", K.S, e.Bound * 3); });
                options.Add(() => { Use("passive int"); Use("scalar *"); var e = Gen(K.S, d); return new E("(" + e.Text + " * (double)n)", K.S, e.Bound * 3); });
            }
            if (Tensor)
            {
                var kinds = AvailableTensorKinds().ToList();
                options.Add(() => { Use("Sum"); var e = Gen(Pick(kinds), d); return Call("Ops.Sum", K.S, e.Bound * 9, e); });
                options.Add(() => { Use("Sum"); var e = Gen(Pick(kinds), d); return Call("Ops.Sum", K.S, e.Bound * 9, e); });
                options.Add(() => { Use("Mean"); var e = Gen(Pick(kinds), d); return Call("Ops.Mean", K.S, e.Bound, e); });
                options.Add(() => { Use("Mean"); var e = Gen(Pick(kinds), d); return Call("Ops.Mean", K.S, e.Bound, e); });
                if (HasTargets)
                {
                    options.Add(() => CrossEntropy(d));
                    options.Add(() => CrossEntropy(d));
                }
            }
            return Pick(options)();
        }

        // ── planning patterns (Planner.cs) and their near misses ──────────────────────────────

        /// <summary>A product of the kind, A·W, with its factors' kinds (null for a kind no product of these shapes gives).</summary>
        private E? Product(K kind, int d, bool parameterWeight = false)
        {
            (K A, K B, int Inner)? factors = kind switch
            {
                K.M23 => _plans.NextDouble() < 0.7 ? (K.M23, K.W33, 3) : (K.Q22, K.M23, 2),
                K.W33 => _plans.NextDouble() < 0.7 ? (K.W33, K.W33, 3) : (K.T32, K.M23, 2),
                K.T32 => (K.W33, K.T32, 3),
                K.Q22 => (K.Q22, K.Q22, 2),
                _ => null,
            };
            if (factors is not { } f) return null;
            Use("MatMul");
            var a = Small(f.A, d);
            var b = (parameterWeight ? Parameter(f.B) : null) ?? Small(f.B, d);
            return new E("Ops.MatMul(" + a.Text + ", " + b.Text + ")", kind, f.Inner * a.Bound * b.Bound);
        }

        /// <summary>A parameter of the kind, read (a layer's weight or bias); null when the program has none.</summary>
        private E? Parameter(K kind)
        {
            var candidates = _vars.Where(v => v.IsParameter && v.Kind == kind).ToList();
            return candidates.Count == 0 ? null : Read(candidates[_plans.Next(candidates.Count)]);
        }

        /// <summary>x + c, written with the operator or Ops.Add, the bias on the <paramref name="biasFirst"/> side.</summary>
        private E Biased(E x, E c, bool biasFirst)
        {
            var (left, right) = biasFirst ? (c, x) : (x, c);
            var text = _plans.NextDouble() < 0.5 ? "(" + left.Text + " + " + right.Text + ")" : "Ops.Add(" + left.Text + ", " + right.Text + ")";
            Use(text.StartsWith("Ops.", StringComparison.Ordinal) ? "Ops.Add" : "tensor + (operator)");
            Use("broadcast row");
            return new E(text, x.Kind, x.Bound + c.Bound);
        }

        /// <summary>
        /// An expression built so that a planning rule fires, or almost: MatMul + bias (+ ReLU, + GELU), GELU(x + c), A·Bᵀ —
        /// and GELU of a sum whose bias is the first operand or not a row (a matrix, a scalar), a product plus a matrix.
        /// Null when the kind has no such pattern here.
        /// </summary>
        private E? PlanPattern(K kind, int d)
        {
            var rows = kind is K.M23 or K.W33 && _vars.Any(v => v.Kind == K.R3);
            var options = new List<Func<E?>>();
            for (var copies = 0; rows && copies < 2; copies++)
            {
                // (the product's patterns weighted up: their pre-activation is live less often)
                options.Add(() => { Use("plan: GELU(product + row)"); Use("Gelu"); var e = Biased(Product(kind, d)!, Gen(K.R3, d), false); return new E("Ops.Gelu(" + e.Text + ")", kind, e.Bound + 1); });
                options.Add(() => { Use("plan: ReLU(product + row)"); Use("Relu"); var e = Biased(Product(kind, d)!, Gen(K.R3, d), false); return new E("Ops.Relu(" + e.Text + ")", kind, e.Bound); });
                options.Add(() => { Use("plan: GELU(x + row)"); Use("Gelu"); var e = Biased(Gen(kind, d), Gen(K.R3, d), false); return new E("Ops.Gelu(" + e.Text + ")", kind, e.Bound + 1); });
                options.Add(() => { Use("plan: GELU(product + row)"); Use("Gelu"); var e = Biased(Product(kind, d)!, Gen(K.R3, d), false); return new E("Ops.Gelu(" + e.Text + ")", kind, e.Bound + 1); });
                options.Add(() => { Use("plan: ReLU(product + row)"); Use("Relu"); var e = Biased(Product(kind, d)!, Gen(K.R3, d), false); return new E("Ops.Relu(" + e.Text + ")", kind, e.Bound); });
                options.Add(() => { Use("plan: product + row"); return Biased(Product(kind, d)!, Gen(K.R3, d), false); });
                // A layer of the method's own parameters: its weight's and bias's gradients written by the fused kernel when asked.
                options.Add(() =>
                {
                    Use("plan: ReLU(x·W + b) of parameters"); Use("Relu");
                    var e = Biased(Product(kind, d, parameterWeight: true)!, Parameter(K.R3) ?? Gen(K.R3, d), false);
                    return new E("Ops.Relu(" + e.Text + ")", kind, e.Bound);
                });
            }
            if (rows)
            {
                options.Add(() => { Use("near miss: GELU(row + x)"); Use("Gelu"); var e = Biased(Gen(kind, d), Gen(K.R3, d), true); return new E("Ops.Gelu(" + e.Text + ")", kind, e.Bound + 1); });
                options.Add(() => { Use("near miss: row + product"); return Biased(Product(kind, d)!, Gen(K.R3, d), true); });
            }
            if (kind is not K.R3)
            {
                options.Add(() =>
                {
                    Use("near miss: GELU(x + matrix or scalar)"); Use("Gelu");
                    var x = Gen(kind, d);
                    var y = _plans.NextDouble() < 0.6 ? Gen(kind, d) : Gen(K.S, d);
                    return new E("Ops.Gelu(" + Combine(x, y, "+", kind).Text + ")", kind, x.Bound + y.Bound + 1);
                });
                options.Add(() => { Use("near miss: product + matrix"); Use("Gelu"); var p = Product(kind, d)!; var y = Gen(kind, d); return new E("Ops.Gelu(" + Combine(p, y, "+", kind).Text + ")", kind, p.Bound + y.Bound + 1); });
                // A·Bᵀ, B read nothing else: the transposed product.
                (K A, K B, int Inner)? transposed = kind switch
                {
                    K.Q22 => (K.M23, K.M23, 3),
                    K.W33 => (K.T32, K.T32, 2),
                    K.M23 => (K.Q22, K.T32, 2),
                    K.T32 => (K.T32, K.Q22, 2),
                    _ => null,
                };
                if (transposed is { } t)
                {
                    options.Add(() =>
                    {
                        Use("plan: A·Bᵀ"); Use("MatMul"); Use("Transpose");
                        var a = Gen(t.A, d);
                        var b = Gen(t.B, d);
                        return new E("Ops.MatMul(" + a.Text + ", Ops.Transpose(" + b.Text + "))", kind, t.Inner * a.Bound * b.Bound);
                    });
                }
            }
            return options.Count == 0 ? null : options[_plans.Next(options.Count)]();
        }

        /// <summary>A new local of the kind.</summary>
        private Var NewLocal(K kind, E value)
        {
            var v = new Var { Name = "h" + (_locals++).ToString(CultureInfo.InvariantCulture), Kind = kind, Bound = value.Bound, Active = IsActive(value) };
            _vars.Add(v);
            Use("local");
            return v;
        }

        /// <summary>
        /// Statements whose intermediate is read twice, so that a rule must not take it: the sum under GELU or ReLU, the
        /// product under the bias, the transposed factor.
        /// </summary>
        private string? PlanStatement()
        {
            var kind = _plans.NextDouble() < 0.6 ? K.M23 : K.W33;
            var rows = _vars.Any(v => v.Kind == K.R3);
            switch (_plans.Next(3))
            {
                case 0 when rows:
                {
                    // The sum read twice: GELU (or ReLU) of it does not fuse; the sum itself may be a fused product + bias.
                    Use("near miss: the sum under GELU/ReLU read twice");
                    var product = _plans.NextDouble() < 0.5;
                    var sum = Biased(product ? Product(kind, 1)! : Gen(kind, 1), Gen(K.R3, 1), false);
                    var h = NewLocal(kind, sum);
                    var act = product && _plans.NextDouble() < 0.5 ? "Ops.Relu" : "Ops.Gelu";
                    Use(act == "Ops.Relu" ? "Relu" : "Gelu");
                    var value = Squash(new E("(" + act + "(" + Read(h).Text + ") - " + Read(h).Text + ")", kind, 2 * h.Bound + 1));
                    var g = NewLocal(kind, value);
                    return "var " + h.Name + " = " + sum.Text + "; var " + g.Name + " = " + value.Text + ";";
                }
                case 1 when rows:
                {
                    // The product read twice: no MatMul + bias; GELU(product + row) still takes the product as its x.
                    Use("near miss: the product under the bias read twice");
                    var product = Product(kind, 1)!;
                    var p = NewLocal(kind, product);
                    var sum = Biased(Read(p), Gen(K.R3, 1), false);
                    var gelu = _plans.NextDouble() < 0.6;
                    if (gelu) Use("Gelu");
                    var value = Squash(new E("(" + (gelu ? "Ops.Gelu(" + sum.Text + ")" : sum.Text) + " * " + Small(kind, 1).Text + " + " + Read(p).Text + ")", kind, sum.Bound + p.Bound + 1));
                    var g = NewLocal(kind, value);
                    return "var " + p.Name + " = " + product.Text + "; var " + g.Name + " = " + value.Text + ";";
                }
                default:
                {
                    // The transposed factor read twice: A·Bᵀ does not fuse.
                    Use("near miss: the transpose read twice");
                    Use("Transpose"); Use("MatMul"); Use("Mean");
                    var b = Gen(K.M23, 1);
                    var transposed = new E("Ops.Transpose(" + b.Text + ")", K.T32, b.Bound);
                    var t = NewLocal(K.T32, transposed);
                    var a = Gen(K.M23, 1);
                    var value = Squash(new E("(Ops.MatMul(" + a.Text + ", " + Read(t).Text + ") * Ops.Mean(" + Read(t).Text + "))", K.Q22, 3 * a.Bound * b.Bound * b.Bound));
                    var g = NewLocal(K.Q22, value);
                    return "var " + t.Name + " = " + transposed.Text + "; var " + g.Name + " = " + value.Text + ";";
                }
            }
        }

        /// <summary>
        /// One attention block over z ([B, T, 3·C] = [2, 3, 6]) as statements: qkv = f(z); q, k, v each the slice → reshape
        /// → swap of axes 1, 2 (split heads) of qkv; scores q·kᵀ through a causal softmax, a softmax or a scale; y = scores·v;
        /// the heads merged (swap back, reshape) and averaged over the last axis into a [2, 3] local. Drawn: slices that tile
        /// the axis (in order, shuffled, or short of its end), overlap or leave a gap, on the last axis written 2 or −1, heads
        /// 1 or 2, the merge as the chain or Ops.MergeHeads — and near misses the heads rule must not take: a slice along T, a
        /// reshape that moves the leading lengths, the wrong axes swapped, a slice or the merge's transpose read twice.
        /// </summary>
        private string HeadsBlock()
        {
            var n = (_locals++).ToString(CultureInfo.InvariantCulture);
            string qkv = "qkv" + n, q = "q" + n, k = "k" + n, v = "v" + n, att = "att" + n, y = "y" + n;
            var z = _vars.First(x => x.Name == "z");
            z.Uses++;
            var source = _plans.Next(3) switch { 0 => "Ops.Tanh(z)", 1 => "Ops.Sigmoid(z * 2.0)", _ => "Ops.Exp(Ops.Tanh(z) * 0.5)" };
            // (start, length) of q, k, v along the last axis of 6; q and k of one length (their head size must agree).
            (int Start, int Length)[] slices;
            switch (_plans.Next(6))
            {
                case 0: Use("plan: heads tiled"); slices = [(0, 2), (2, 2), (4, 2)]; break;
                case 1: Use("plan: heads tiled, shuffled"); slices = [(2, 2), (4, 2), (0, 2)]; break;
                case 2: Use("plan: heads tiled, short of the axis"); slices = _plans.NextDouble() < 0.5 ? [(0, 1), (1, 1), (2, 2)] : [(0, 2), (2, 2), (4, 1)]; break;
                case 3: Use("near miss: heads overlapping"); slices = _plans.NextDouble() < 0.5 ? [(0, 2), (1, 2), (4, 2)] : [(0, 2), (2, 2), (2, 4)]; break;
                case 4: Use("near miss: heads with a gap"); slices = _plans.NextDouble() < 0.5 ? [(0, 2), (3, 2), (5, 1)] : [(1, 2), (3, 2), (5, 1)]; break;
                default: Use("plan: heads tiled, two heads wide"); slices = [(0, 2), (2, 2), (4, 2)]; break;
            }
            var heads = slices.All(s => s.Length % 2 == 0) && _plans.NextDouble() < 0.5 ? 2 : 1;
            // A near miss of the split (for all three, so the shapes still agree), or of the merge.
            var miss = _plans.Next(8);
            var moved = miss == 0;   // Reshape(.., 3, 2, NH, hs): B and T exchanged
            var swap = miss == 1 ? "0, 1" : Pick3(["1, 2", "2, 1", "-3, -2"]);
            var alongT = miss == 2;  // v sliced along T (the whole of it), all 6 columns its heads
            var sliceTwice = miss == 3;
            var mergeTwice = miss == 4;
            if (moved) Use("near miss: heads reshape moving the leading lengths");
            if (miss == 1) Use("near miss: heads swapping axes 0, 1");
            if (alongT) Use("near miss: a slice along T");
            if (sliceTwice) Use("near miss: a head's slice read twice");
            if (mergeTwice) Use("near miss: the merge's transpose read twice");
            if (alongT) slices[2] = (0, 6);
            if (slices.Any(s => s.Length % heads != 0)) heads = 1;
            string B = moved ? "3" : "2", T = moved ? "2" : "3";
            var axis = _plans.NextDouble() < 0.7 ? "2" : "-1";
            var text = new StringBuilder();
            text.Append("var ").Append(qkv).Append(" = ").Append(source).Append("; ");
            // v as a form of n − 1 (= 2 when checked), the same way for every number so that a tiling stays one for the rule.
            string num(int value)
            {
                if (!_headsInt) return value.ToString(CultureInfo.InvariantCulture);
                var units = (value / 2) switch { 0 => "", 1 => "(n - 1)", var m => m.ToString(CultureInfo.InvariantCulture) + " * (n - 1)" };
                return units.Length == 0 ? (value % 2).ToString(CultureInfo.InvariantCulture) : value % 2 == 0 ? units : units + " + 1";
            }
            string sliceText(int i) => alongT && i == 2 ? "Ops.Slice(" + qkv + ", 1, 0, 3)" : "Ops.Slice(" + qkv + ", " + axis + ", " + num(slices[i].Start) + ", " + num(slices[i].Length) + ")";
            string headText(int i, string of) => _plans.NextDouble() < 0.15 && !moved && miss != 1
                ? "Ops.SplitHeads(" + qkv + ", 2, " + num(slices[i].Start) + ", " + num(slices[i].Length) + ", new[] { 2, 3, " + heads + ", " + slices[i].Length / heads + " })"
                : "Ops.TransposeAxes(Ops.Reshape(" + of + ", " + B + ", " + T + ", " + heads + ", " + slices[i].Length / heads + "), " + swap + ")";
            string[] names = [q, k, v];
            for (var i = 0; i < 3; i++)
            {
                if (sliceTwice && i == 1)
                {
                    text.Append("var s").Append(n).Append(" = ").Append(sliceText(i)).Append("; ");
                    text.Append("var ").Append(names[i]).Append(" = ").Append(headText(i, "s" + n)).Append("; ");
                }
                else
                {
                    text.Append("var ").Append(names[i]).Append(" = ").Append(alongT && i == 2 ? "Ops.TransposeAxes(Ops.Reshape(" + sliceText(i) + ", 2, 3, " + heads + ", " + 6 / heads + "), 1, 2)" : headText(i, sliceText(i))).Append("; ");
                }
            }
            // (swapping axes 0, 1 leaves [T, B, NH, hs]: the scores are then over the heads, still a square last pair)
            var scores = "Ops.MatMul(" + q + ", Ops.TransposeAxes(" + k + ", 2, 3))";
            var bound = 8.0;
            switch (_plans.Next(3))
            {
                case 0: Use("plan: causal softmax"); text.Append("var ").Append(att).Append(" = Ops.CausalSoftmax(").Append(scores).Append(", 0.5); "); break;
                case 1: Use("Softmax along an axis"); text.Append("var ").Append(att).Append(" = Ops.Softmax(").Append(scores).Append(" * 0.5, -1); "); break;
                default: text.Append("var ").Append(att).Append(" = ").Append(scores).Append(" * 0.25; "); bound = 64; break;
            }
            text.Append("var ").Append(y).Append(" = Ops.MatMul(").Append(att).Append(", ").Append(v).Append("); ");
            var width = slices[2].Length;
            var back = miss == 1 ? "0, 1" : Pick3(["1, 2", "2, 1", "-3, -2"]);
            string merged;
            if (mergeTwice)
            {
                text.Append("var t").Append(n).Append(" = Ops.TransposeAxes(").Append(y).Append(", ").Append(back).Append("); ");
                merged = "(Ops.Mean(Ops.Reshape(t" + n + ", 2, 3, " + width + "), 2) + Ops.Mean(Ops.Mean(t" + n + ", 3), 2))";
            }
            else if (_plans.NextDouble() < 0.15 && !moved && miss != 1)
            {
                Use("plan: Ops.MergeHeads");
                merged = "Ops.Mean(Ops.MergeHeads(" + y + ", 1, 2, new[] { 2, 3, " + width + " }), 2)";
            }
            else
            {
                merged = "Ops.Mean(Ops.Reshape(Ops.TransposeAxes(" + y + ", " + back + "), 2, 3, " + width + "), 2)";
            }
            if (sliceTwice) merged = "(" + merged + " + Ops.Mean(s" + n + ", 2))";
            Use("local");
            var h = new Var { Name = "h" + n, Kind = K.M23, Bound = bound, Active = true };
            text.Append("var ").Append(h.Name).Append(" = ").Append(merged).Append(';');
            _vars.Add(h);
            return text.ToString();
        }

        private string Pick3(string[] options) => options[_plans.Next(options.Length)];

        private E TensorProduction(K kind, int depth)
        {
            var d = depth + 1;
            // (more often where a row can be added: the bias rules' patterns need one)
            if (_plans.NextDouble() < (kind is K.M23 or K.W33 && _vars.Any(v => v.Kind == K.R3) ? 0.3 : 0.1) && PlanPattern(kind, d) is { } pattern) return pattern;
            var hasRow = _vars.Any(v => v.Kind == K.R3);
            var options = new List<Func<E>>
            {
                () => Combine(Gen(kind, d), Gen(kind, d), Pick(new[] { "+", "-" }), kind),
                () => Combine(Gen(kind, d), Small(kind, d), "*", kind),
                () => Combine(Gen(kind, d), Positive(kind, d), "/", kind),
                () => OpsCall(Pick(new[] { "Add", "Subtract" }), Gen(kind, d), Gen(kind, d), kind),
                () => OpsCall("Multiply", Small(kind, d), Gen(kind, d), kind),
                () => OpsCall("Divide", Gen(kind, d), Positive(kind, d), kind),
                // tensor-scalar and scalar-tensor
                () => Combine(Gen(kind, d), Gen(K.S, d), Pick(new[] { "+", "-" }), kind),
                () => Combine(Gen(kind, d), Small(K.S, d), "*", kind),
                () => Combine(Small(K.S, d), Gen(kind, d), "*", kind),
                () => Combine(Gen(kind, d), Positive(K.S, d), "/", kind),
                () => Combine(Gen(kind, d), Constant(), "*", kind),
                () => OpsCall(Pick(new[] { "Add", "Subtract" }), Gen(K.S, d), Gen(kind, d), kind),
                () => OpsCall("Multiply", Gen(K.S, d), Small(kind, d), kind),
                () => OpsCall("Divide", Gen(K.S, d), Positive(kind, d), kind),
                // unary
                () => { Use("tensor negate (operator)"); var e = Gen(kind, d); return new E("(-" + e.Text + ")", kind, e.Bound); },
                () => { Use("Ops.Negate"); var e = Gen(kind, d); return Call("Ops.Negate", kind, e.Bound, e); },
                () => { Use("Ops.Tanh"); return Call("Ops.Tanh", kind, 1, Gen(kind, d)); },
                () => { Use("Sigmoid"); return Call("Ops.Sigmoid", kind, 1, Gen(kind, d)); },
                () => { Use("Ops.Square"); var e = Gen(kind, d); return Call("Ops.Square", kind, e.Bound * e.Bound, e); },
                () => { Use("Ops.Exp"); var e = Small(kind, d); return Call("Ops.Exp", kind, Math.Exp(Math.Min(e.Bound, 3)), e); },
                () => { Use("Ops.Log"); var e = Positive(kind, d); return Call("Ops.Log", kind, Math.Log(e.Bound) + 1, e); },
                () => { Use("Ops.Sqrt"); var e = Positive(kind, d); return Call("Ops.Sqrt", kind, Math.Sqrt(e.Bound), e); },
                () =>
                {
                    Use("Softmax");
                    if (kind == K.R3) Use("Softmax of a row");
                    return Call("Ops.Softmax", kind, 1, Gen(kind, d));
                },
            };
            // the transformer vocabulary, shape-preserving forms
            options.Add(() => { Use("Gelu"); var e = Gen(kind, d); return Call("Ops.Gelu", kind, e.Bound + 1, e); });
            options.Add(() => { Use("LogSoftmax along an axis"); var e = Gen(kind, d); return new E("Ops.LogSoftmax(" + e.Text + ", -1)", kind, 2 * e.Bound + 2); });
            if (kind is K.M23 or K.W33)
            {
                options.Add(() => { Use("Softmax along an axis"); return new E("Ops.Softmax(" + Gen(kind, d).Text + ", 0)", kind, 1); });
                options.Add(() =>
                {
                    Use("Sum along an axis");
                    var a = Gen(kind, d);
                    var b = Small(kind, d);
                    // Ops.Multiply, not `*`: System.Numerics.Tensors' operator does not broadcast [2, 3] by [2, 1] like numpy
                    return new E("Ops.Multiply(" + a.Text + ", Ops.Sum(" + b.Text + ", 1, true))", kind, a.Bound * 3 * b.Bound);
                });
                for (var copies = 0; copies < 2; copies++)
                {
                    options.Add(() =>
                    {
                        Use("Mean along an axis");
                        var a = Gen(kind, d);
                        var b = Gen(kind, d);
                        return new E("Ops.Add(" + a.Text + ", Ops.Mean(" + b.Text + ", 0, true))", kind, a.Bound + b.Bound);
                    });
                }
            }
            if (hasRow && kind is K.M23 or K.W33)
            {
                // eps 0.1 keeps 1/σ moderate for rows that happen to be nearly constant
                for (var copies = 0; copies < 3; copies++) // weighted up: only programs with a row parameter can use it
                {
                    options.Add(() =>
                    {
                        Use("LayerNorm");
                        var e = Gen(kind, d);
                        var w = Gen(K.R3, d);
                        var b = Gen(K.R3, d);
                        // Half of them of an intermediate only LayerNorm reads, whose gradient starts at its adjoint (planning's
                        // first write) — a draw of its own, so the program's other draws stay as they were.
                        var x = e.Text;
                        if (_layerNorms.NextDouble() < 0.5)
                        {
                            Use("plan: LayerNorm of an intermediate");
                            x = "Ops.Tanh(" + x + ")";
                        }
                        return new E("Ops.LayerNorm(" + x + ", " + w.Text + ", " + b.Text + ", 0.1)", kind, 4 * w.Bound + b.Bound);
                    });
                }
            }
            if (TensorCallPossible(kind))
            {
                options.Add(() => TensorCall(kind, d) ?? Gen(kind, d));
            }
            var raw = _vars.Where(v => v.IsParameter && v.Kind == kind).ToList();
            if (raw.Count > 0)
            {
                // ReLU only of raw parameters: inputs are ±[0.2, 2], far from the kink.
                for (var copies = 0; copies < 2; copies++)
                {
                    options.Add(() => { Use("Relu"); var v = Read(Pick(raw)); return new E("Ops.Relu(" + (Chance(0.3) ? "-" : "") + v.Text + ")", kind, v.Bound); });
                }
            }
            if (hasRow && kind is K.M23 or K.W33)
            {
                options.Add(() => Combine(Gen(kind, d), Gen(K.R3, d), Pick(new[] { "+", "-" }), kind));
                options.Add(() => Combine(Gen(K.R3, d), Gen(kind, d), Pick(new[] { "+", "-" }), kind));
                options.Add(() => Combine(Gen(kind, d), Small(K.R3, d), "*", kind));
                options.Add(() => Combine(Small(K.R3, d), Gen(kind, d), "*", kind));
                options.Add(() => Combine(Gen(kind, d), Positive(K.R3, d), "/", kind));
                options.Add(() => OpsCall(Pick(new[] { "Add", "Subtract" }), Gen(kind, d), Gen(K.R3, d), kind));
                options.Add(() => OpsCall("Multiply", Gen(K.R3, d), Small(kind, d), kind));
                options.Add(() => OpsCall("Divide", Gen(K.R3, d), Positive(kind, d), kind));
            }
            void MatMul(K left, K right)
            {
                options.Add(() =>
                {
                    Use("MatMul");
                    var a = Gen(left, d);
                    var b = Gen(right, d);
                    var inner = left is K.T32 ? 2 : 3;
                    return new E("Ops.MatMul(" + a.Text + ", " + b.Text + ")", kind, inner * a.Bound * b.Bound);
                });
            }
            void Transpose(K of) => options.Add(() => { Use("Transpose"); var e = Gen(of, d); return new E("Ops.Transpose(" + e.Text + ")", kind, e.Bound); });
            // Views of an intermediate whose gradient is then a fresh buffer (the class of planning's first-write bug in
            // TransposeAxes/Permute): [3,2] ↔ [2,3] by swapping axes, permuting, or reshaping.
            void Views(K of, int rows, int cols) => options.Add(() =>
            {
                var e = Gen(of, d);
                switch (_r.Next(3))
                {
                    case 0: Use("TransposeAxes"); return new E("Ops.TransposeAxes(Ops.Tanh(" + e.Text + "), 0, 1)", kind, 1);
                    case 1: Use("Permute"); return new E("Ops.Permute(Ops.Exp(Ops.Tanh(" + e.Text + ")), 1, 0)", kind, Math.E);
                    default: Use("Reshape"); return new E("Ops.Reshape(Ops.Sigmoid(" + e.Text + "), " + rows + ", " + cols + ")", kind, 1);
                }
            });
            switch (kind)
            {
                case K.M23:
                    MatMul(K.M23, K.W33); MatMul(K.M23, K.W33); MatMul(K.Q22, K.M23); Transpose(K.T32); Views(K.T32, 2, 3); Views(K.T32, 2, 3);
                    break;
                case K.W33:
                    MatMul(K.W33, K.W33); MatMul(K.T32, K.M23); Transpose(K.W33); Views(K.W33, 3, 3);
                    break;
                case K.T32:
                    MatMul(K.W33, K.T32); MatMul(K.T32, K.Q22); Transpose(K.M23); Transpose(K.M23); Views(K.M23, 3, 2); Views(K.M23, 3, 2);
                    break;
                case K.Q22:
                    MatMul(K.M23, K.T32); MatMul(K.Q22, K.Q22); Transpose(K.Q22);
                    break;
            }
            var chosen = Pick(options)();
            if (kind is K.M23 or K.W33 && _splits.NextDouble() < 0.05)
            {
                // The columns cut apart and joined again (a draw of its own, so the program's other draws stay as they were):
                // Split's parts to Concat whole, or, of a short expression, picked by index in a params array (another order).
                Use("Split and Concat");
                var order = Enumerable.Range(0, 3).OrderBy(_ => _splits.Next()).Select(i => "Ops.Split(" + chosen.Text + ", 1, 3)[" + i.ToString(CultureInfo.InvariantCulture) + "]").ToList();
                chosen = chosen.Text.Length <= 40
                    ? new E("Ops.Concat(1, " + string.Join(", ", order) + ")", kind, chosen.Bound)
                    : new E("Ops.Concat(1, Ops.Split(" + chosen.Text + ", 1, 3))", kind, chosen.Bound);
            }
            return chosen;
        }
    }
}
