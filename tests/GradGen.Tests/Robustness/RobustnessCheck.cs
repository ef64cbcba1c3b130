using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using GradGen.Generators;
using GradGen.Generators.Diagnostics;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace GradGen.Tests.Robustness;

/// <summary>
/// Runs a batch of sources through the generator (one <see cref="CSharpGeneratorDriver"/> run) and the analyzer (one
/// <see cref="CompilationWithAnalyzers"/> over the generator's output, as a build does), and checks the never-crash
/// contract: no exception escapes, no AD0001, no CS8784/CS8785, and every declaration whose <c>[Differentiable]</c>
/// binds either gets a backward or an error says why (a GG error, or a compiler error in the source's own files).
/// </summary>
/// <remarks>
/// Sources that could change what names in other sources bind to (they declare something outside their own namespace)
/// get a compilation of their own. When the generator crashes, nothing is generated for the whole batch, so the guilty
/// sources are found by bisection (their smallest crashing parts become the repro in the report) and the rest of the
/// batch is checked again without them.
/// </remarks>
public static class RobustnessCheck
{
    public const string DifferentiableAttribute = "GradGen.DifferentiableAttribute";

    private static readonly string[] GeneratorFailureIds = { "CS8784", "CS8785" };

    /// <summary>What a batch showed. The lists hold one readable line (or block) per problem.</summary>
    public sealed class Report
    {
        public int Sources;
        public int Files;
        /// <summary>Declarations whose [Differentiable] binds (methods, local functions, lambdas, accessors, …).</summary>
        public int Marked;
        public int Generated;
        public int ExplainedByAnalyzer;
        public int ExplainedByCompilerError;
        public int GeneratedFiles;
        public int AnalyzerDiagnostics;
        public int Compilations;
        /// <summary>Backwards whose generated code was compiled and checked (only when the batch asked for it).</summary>
        public int GeneratedChecked;
        public TimeSpan Elapsed;
        public TimeSpan GeneratorTime;
        public TimeSpan AnalyzerTime;

        /// <summary>Exceptions, AD0001, CS8784/CS8785: the generator or the analyzer crashed.</summary>
        public readonly List<string> Crashes = new();
        /// <summary>The smallest crashing parts of the batch, with their sources.</summary>
        public readonly List<string> CrashRepros = new();
        /// <summary>A marked method got no backward and nothing in its source says why.</summary>
        public readonly List<string> Silent = new();
        /// <summary>A backward was generated although the analyzer reports a GG error for the method.</summary>
        public readonly List<string> Disagreements = new();
        /// <summary>A generated file has a compiler error (whether or not its source compiles on its own).</summary>
        public readonly List<string> GeneratedErrors = new();
        /// <summary>Per target, what became of it: "source: kind 'name' → generated | GG0007 … | CS0592 …".</summary>
        public readonly List<string> Outcomes = new();

        public string Counts =>
            $"{Sources} sources ({Files} files, {Compilations} compilations), {Marked} [Differentiable] targets: {Generated} generated, " +
            $"{ExplainedByAnalyzer} explained by a GG error, {ExplainedByCompilerError} by a compiler error; " +
            $"{GeneratedFiles} generated files ({GeneratedChecked} compiled and checked), {AnalyzerDiagnostics} GG diagnostics; " +
            $"{Elapsed.TotalSeconds:F1} s (generator {GeneratorTime.TotalSeconds:F1} s, analyzer {AnalyzerTime.TotalSeconds:F1} s)";

        public void Add(Report other)
        {
            Sources += other.Sources;
            Files += other.Files;
            Marked += other.Marked;
            Generated += other.Generated;
            ExplainedByAnalyzer += other.ExplainedByAnalyzer;
            ExplainedByCompilerError += other.ExplainedByCompilerError;
            GeneratedFiles += other.GeneratedFiles;
            AnalyzerDiagnostics += other.AnalyzerDiagnostics;
            Compilations += other.Compilations;
            GeneratedChecked += other.GeneratedChecked;
            Elapsed += other.Elapsed;
            GeneratorTime += other.GeneratorTime;
            AnalyzerTime += other.AnalyzerTime;
            Crashes.AddRange(other.Crashes);
            CrashRepros.AddRange(other.CrashRepros);
            Silent.AddRange(other.Silent);
            Disagreements.AddRange(other.Disagreements);
            GeneratedErrors.AddRange(other.GeneratedErrors);
            Outcomes.AddRange(other.Outcomes);
        }
    }

    /// <summary>How to check a batch.</summary>
    /// <param name="CheckGeneratedCode">Also compile the generated code of sources that compile (slower: it binds every backward).</param>
    /// <param name="ConcurrentAnalysis">Let the analyzer driver use the thread pool (as the IDE does).</param>
    /// <param name="ConcurrentBuild">Let the compiler bind method bodies on the thread pool; off keeps Roslyn's own binding on the calling thread's stack.</param>
    /// <param name="AnalyzeGeneratorOutput">
    /// Analyze the compilation with the generated files, as a build does (the analyzer must not mistake the generated
    /// members for clashes); off analyzes the sources alone, which spares compiling every generated backward.
    /// </param>
    /// <param name="Nullable">Nullable reference types on (as in a new project); Roslyn's nullable analysis dominates the cost of binding huge expressions.</param>
    public sealed record Options(bool CheckGeneratedCode = false, bool ConcurrentAnalysis = true, bool ConcurrentBuild = true, bool AnalyzeGeneratorOutput = true, bool Nullable = true);

    public static CSharpCompilation Compilation(IEnumerable<RobustSource> sources, CancellationToken cancellationToken = default, bool concurrentBuild = true, bool nullable = true) =>
        CSharpCompilation.Create(
            "GradGenRobustness",
            sources.SelectMany(s => s.Parsed ?? s.Files.Zip(s.Paths, (text, path) => Parse(text, path, cancellationToken))),
            Harness.References.AddRange(sources.SelectMany(s => s.ExtraReferences).Distinct()),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: nullable ? NullableContextOptions.Enable : NullableContextOptions.Disable,
                allowUnsafe: true, concurrentBuild: concurrentBuild));

    public static SyntaxTree Parse(string text, string path, CancellationToken cancellationToken = default) =>
        CSharpSyntaxTree.ParseText(SourceText.From(text, Encoding.UTF8), Harness.ParseOptions, path, cancellationToken);

    public static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        new[] { new DifferentiableGenerator().AsSourceGenerator() },
        parseOptions: Harness.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    public static CompilationWithAnalyzers WithAnalyzer(Compilation compilation, List<string> exceptions, bool concurrent) =>
        new(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer()),
            new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, diagnostic) =>
                {
                    lock (exceptions) exceptions.Add("analyzer exception (onAnalyzerException): " + diagnostic.GetMessage() + "\n" + exception);
                },
                concurrentAnalysis: concurrent,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false));

    /// <summary>The analyzer's diagnostics, waited for on the calling thread (whose stack and time limit the caller chose).</summary>
    public static ImmutableArray<Diagnostic> AnalyzerDiagnostics(CompilationWithAnalyzers analysis, CancellationToken cancellationToken) =>
        analysis.GetAnalyzerDiagnosticsAsync(cancellationToken).GetAwaiter().GetResult();

    /// <summary>Checks a batch on the calling thread.</summary>
    public static Report Check(IReadOnlyList<RobustSource> sources, CancellationToken cancellationToken, Options? options = null)
    {
        options ??= new Options();
        var report = new Report();
        var shared = new List<RobustSource>();
        var alone = new List<RobustSource>();
        foreach (var source in sources) (source.Alone || Leaks(source, cancellationToken) ? alone : shared).Add(source);

        for (var round = 0; shared.Count > 0; round++)
        {
            var batch = CheckOne(shared, cancellationToken, options);
            if (!batch.GeneratorCrashed || round == 3)
            {
                report.Add(batch.Report);
                break;
            }
            // Nothing was generated for anyone: find who crashed it, report them, and check the others again.
            var culprits = new List<(IReadOnlyList<RobustSource> Part, List<string> Crashes)>();
            Bisect(shared, culprits, cancellationToken, options);
            if (culprits.Count == 0)
            {
                report.Add(batch.Report);
                break;
            }
            var crashed = new Report { Sources = culprits.Sum(c => c.Part.Count) };
            crashed.Crashes.AddRange(batch.Report.Crashes);
            crashed.CrashRepros.AddRange(culprits.Select(c => Repro(c.Part, c.Crashes)));
            report.Add(crashed);
            var guilty = new HashSet<RobustSource>(culprits.SelectMany(c => c.Part));
            shared = shared.Where(s => !guilty.Contains(s)).ToList();
        }
        foreach (var source in alone)
        {
            var one = CheckOne(new[] { source }, cancellationToken, options).Report;
            if (one.Crashes.Count > 0) one.CrashRepros.Add(Repro(new[] { source }, one.Crashes));
            report.Add(one);
        }
        return report;
    }

    /// <summary>True when a file declares anything outside the source's own namespace, so it could change another source's binding.</summary>
    private static bool Leaks(RobustSource source, CancellationToken cancellationToken)
    {
        if (source.Prefix is not { } prefix) return true;
        foreach (var (text, path) in source.Files.Zip(source.Paths))
        {
            var root = (CompilationUnitSyntax)Parse(text, path, cancellationToken).GetRoot(cancellationToken);
            if (root.Usings.Any(u => u.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword)) || root.AttributeLists.Count > 0) return true;
            foreach (var member in root.Members)
            {
                if (member is not BaseNamespaceDeclarationSyntax ns) return true;
                var name = ns.Name.ToString();
                if (ns.Name.IsMissing || name != prefix && !name.StartsWith(prefix + ".", StringComparison.Ordinal)) return true;
            }
        }
        return false;
    }

    private static void Bisect(IReadOnlyList<RobustSource> sources, List<(IReadOnlyList<RobustSource>, List<string>)> found, CancellationToken cancellationToken, Options options)
    {
        if (found.Count >= 5) return;
        var crashes = CheckOne(sources, cancellationToken, options).Report.Crashes;
        if (crashes.Count == 0) return;
        if (sources.Count > 1)
        {
            var before = found.Count;
            var half = sources.Count / 2;
            Bisect(sources.Take(half).ToList(), found, cancellationToken, options);
            Bisect(sources.Skip(half).ToList(), found, cancellationToken, options);
            if (found.Count > before) return;
        }
        // Crashes as a whole but no half does (or it is one source): this part is the repro.
        found.Add((sources, crashes));
    }

    private static string Repro(IReadOnlyList<RobustSource> part, List<string> crashes)
    {
        var text = new StringBuilder("== crashes on its own: " + string.Join(" + ", part.Select(s => s.ToString())) + " ==\n");
        text.Append(string.Join("\n", crashes.Distinct().Take(2).Select(c => c.Length > 1500 ? c.Substring(0, 1500) + " …" : c))).Append('\n');
        foreach (var source in part) text.Append("--- ").Append(source).Append(" ---\n").Append(source.Show(3000)).Append('\n');
        return text.ToString();
    }

    private static (Report Report, bool GeneratorCrashed) CheckOne(IReadOnlyList<RobustSource> sources, CancellationToken cancellationToken, Options options)
    {
        var stopwatch = Stopwatch.StartNew();
        var report = new Report { Sources = sources.Count, Files = sources.Sum(s => s.Files.Count), Compilations = 1 };
        var compilation = Compilation(sources, cancellationToken, options.ConcurrentBuild, options.Nullable);
        var phase = Stopwatch.StartNew();

        // ── the generator ──
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics, cancellationToken);
        var run = driver.GetRunResult();
        report.GeneratorTime = phase.Elapsed;
        var generatorCrashed = false;
        foreach (var result in run.Results.Where(r => r.Exception is not null))
        {
            generatorCrashed = true;
            report.Crashes.Add("generator exception (GeneratorRunResult.Exception): " + result.Exception);
        }
        foreach (var diagnostic in driverDiagnostics.Concat(run.Diagnostics).Where(d => GeneratorFailureIds.Contains(d.Id)).Distinct())
        {
            generatorCrashed = true;
            report.Crashes.Add("generator failure " + diagnostic.Id + ": " + diagnostic.GetMessage());
        }
        var generatedTrees = new HashSet<SyntaxTree>(output.SyntaxTrees.Except(compilation.SyntaxTrees));
        report.GeneratedFiles = generatedTrees.Count;

        // ── the analyzer, over the generator's output as in a build ──
        var analyzerExceptions = new List<string>();
        phase.Restart();
        var analyzerDiagnostics = AnalyzerDiagnostics(WithAnalyzer(options.AnalyzeGeneratorOutput ? output : compilation, analyzerExceptions, options.ConcurrentAnalysis), cancellationToken);
        report.AnalyzerTime = phase.Elapsed;
        report.Crashes.AddRange(analyzerExceptions);
        foreach (var diagnostic in analyzerDiagnostics.Where(d => d.Id == "AD0001"))
        {
            report.Crashes.Add("AD0001 at " + Where(diagnostic) + ": " + diagnostic.GetMessage());
        }
        var gg = analyzerDiagnostics.Where(d => d.Id.StartsWith("GG", StringComparison.Ordinal)).ToList();
        report.AnalyzerDiagnostics = gg.Count;
        var ggErrorsByTree = gg.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is not null)
            .GroupBy(d => d.Location.SourceTree!).ToDictionary(g => g.Key, g => g.ToList());

        // The verdicts ask Roslyn questions of their own (binding attributes, compiler errors): on a roomy stack, so that
        // only the generator and the analyzer run on the caller's (possibly small) one.
        OnLargeStack(() =>
        {
            // Compiler errors only where an answer depends on them, cheapest first: binding every body of a batch is most of its cost.
            var compilerErrors = new Dictionary<SyntaxTree, List<Diagnostic>>();
            List<Diagnostic> CompilerErrorsIn(SyntaxTree tree)
            {
                if (!compilerErrors.TryGetValue(tree, out var errors))
                {
                    static bool IsError(Diagnostic d) => d.Severity == DiagnosticSeverity.Error;
                    var model = output.GetSemanticModel(tree);
                    errors = tree.GetDiagnostics(cancellationToken).Where(IsError).ToList();
                    if (errors.Count == 0) errors = model.GetDeclarationDiagnostics(null, cancellationToken).Where(IsError).ToList();
                    if (errors.Count == 0) errors = model.GetDiagnostics(null, cancellationToken).Where(IsError).ToList();
                    compilerErrors[tree] = errors;
                }
                return errors;
            }

            // Backwards by the name of the type they were generated into: finds one generated into another type of the same name.
            var generatedByTypeName = new Lazy<ILookup<string, SyntaxTree>>(() => generatedTrees
                .SelectMany(tree => tree.GetRoot(cancellationToken).DescendantNodes().OfType<MethodDeclarationSyntax>()
                    .Where(m => m.Identifier.ValueText.EndsWith("Backward", StringComparison.Ordinal))
                    .Select(m => (Key: (output.GetSemanticModel(tree).GetDeclaredSymbol(m, cancellationToken)?.ContainingType?.ToDisplayString() ?? "?") + "." + m.Identifier.ValueText, Tree: tree)))
                .Distinct().ToLookup(p => p.Key, p => p.Tree));

            // ── every [Differentiable] target: a backward, or an error in its own source ──
            var treesByPath = compilation.SyntaxTrees.ToDictionary(t => t.FilePath);
            foreach (var source in sources)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var trees = source.Paths.Select(p => treesByPath[p]).ToList();
                var ggErrors = new Explanations(trees.SelectMany(t => ggErrorsByTree.TryGetValue(t, out var list) ? list : new List<Diagnostic>()));
                List<Diagnostic> SourceCompilerErrors() => trees.SelectMany(CompilerErrorsIn).ToList();
                var targets = trees.SelectMany(tree => MarkedTargets(tree, output.GetSemanticModel(tree), cancellationToken)).ToList();
                var targetsByName = targets.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.Count());
                foreach (var target in targets)
                {
                    report.Marked++;
                    var backwardTrees = BackwardTrees(target, generatedTrees);
                    var explaining = ggErrors.Explaining(target);
                    report.Outcomes.Add($"{source}: {target.Kind} '{target.Name}' → " + (backwardTrees.Count > 0 ? "generated" : "no backward") +
                        string.Concat(explaining.Select(d => ", " + d.Id)) + (backwardTrees.Count == 0 && explaining.Count == 0 && SourceCompilerErrors().FirstOrDefault() is { } error ? ", " + error.Id + " " + error.GetMessage() : ""));
                    if (backwardTrees.Count > 0)
                    {
                        report.Generated++;
                        var unambiguous = targetsByName[target.Name] == 1;
                        var contradicting = explaining.Where(d => unambiguous || target.Syntax.FullSpan.IntersectsWith(d.Location.SourceSpan)).ToList();
                        if (contradicting.Count > 0)
                        {
                            report.Disagreements.Add($"{source}: '{target.Name}' got a backward, yet the analyzer reports {string.Join("; ", contradicting.Select(Show))}\n{source.Show()}");
                        }
                        // Also when the source has errors of its own: a generated file must never add one (issue 8: a method
                        // outside any type, an instance method in a static class got generated files repeating the error).
                        if (options.CheckGeneratedCode)
                        {
                            report.GeneratedChecked++;
                            var generatedErrors = backwardTrees.SelectMany(CompilerErrorsIn).ToList();
                            if (generatedErrors.Count > 0)
                            {
                                report.GeneratedErrors.Add($"{source}: " + (SourceCompilerErrors().Count == 0 ? "the source compiles, " : "") + $"the backward generated for '{target.Name}' has errors: " +
                                    string.Join("; ", generatedErrors.Take(3).Select(Show)) + "\n" + source.Show() + "\n// ---- generated ----\n" + backwardTrees[0].GetText(cancellationToken));
                            }
                        }
                    }
                    else if (explaining.Count > 0)
                    {
                        report.ExplainedByAnalyzer++;
                    }
                    else if (SourceCompilerErrors().Count > 0)
                    {
                        report.ExplainedByCompilerError++;
                    }
                    else if (!generatorCrashed)
                    {
                        var elsewhere = target.Symbol?.ContainingType is { } type ? generatedByTypeName.Value[type.ToDisplayString() + "." + target.Name + "Backward"].ToList() : new List<SyntaxTree>();
                        report.Silent.Add($"{source}: {target.Kind} '{target.Name}' at {Where(target.Syntax.GetLocation())} is marked [Differentiable], " +
                            "got no backward, and neither the analyzer nor the compiler reports an error in its source" +
                            (elsewhere.Count > 0 ? $" (a backward was generated, but into another type named {target.Symbol!.ContainingType.ToDisplayString()}, so it does not attach to this method; errors there: " +
                                string.Join("; ", elsewhere.SelectMany(CompilerErrorsIn).Take(2).Select(Show)) + ")" : "") +
                            (ggErrors.All.Count > 0 ? " (other GG errors: " + string.Join("; ", ggErrors.All.Take(5).Select(Show)) + ")" : "") + "\n" + source.Show());
                    }
                }
            }
        });
        report.Elapsed = stopwatch.Elapsed;
        return (report, generatorCrashed);
    }

    private static void OnLargeStack(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { failure = e; }
        }, 256 * 1024 * 1024);
        thread.Start();
        thread.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }

    /// <summary>A declaration carrying a <c>[Differentiable]</c> that binds to GradGen's attribute.</summary>
    public sealed record Target(SyntaxNode Syntax, string Kind, string Name, IMethodSymbol? Symbol);

    public static IEnumerable<Target> MarkedTargets(SyntaxTree tree, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var attribute in tree.GetRoot(cancellationToken).DescendantNodes().OfType<AttributeSyntax>())
        {
            // Every attribute is bound, not only those spelled "Differentiable": an alias (using D = …) must count too.
            if (model.GetSymbolInfo(attribute, cancellationToken).Symbol is not IMethodSymbol constructor ||
                constructor.ContainingType.ToDisplayString() != DifferentiableAttribute)
            {
                continue;
            }
            if (attribute.Parent is not AttributeListSyntax list || list.Target is { } specifier && !specifier.Identifier.IsKind(SyntaxKind.MethodKeyword)) continue;
            var node = list.Parent!;
            var symbol = node switch
            {
                AnonymousFunctionExpressionSyntax lambda => model.GetSymbolInfo(lambda, cancellationToken).Symbol,
                _ => model.GetDeclaredSymbol(node, cancellationToken),
            };
            var kind = node switch
            {
                MethodDeclarationSyntax => "method",
                LocalFunctionStatementSyntax => "local function",
                AnonymousFunctionExpressionSyntax => "lambda",
                AccessorDeclarationSyntax => "accessor",
                OperatorDeclarationSyntax or ConversionOperatorDeclarationSyntax => "operator",
                _ => node.Kind().ToString(),
            };
            yield return new Target(node, kind, symbol?.Name ?? node.Kind().ToString(), symbol as IMethodSymbol);
        }
    }

    /// <summary>The generated files declaring the backward of <paramref name="target"/> (<c>NameBackward</c> in its type).</summary>
    private static List<SyntaxTree> BackwardTrees(Target target, HashSet<SyntaxTree> generatedTrees)
    {
        if (target.Syntax is not MethodDeclarationSyntax || target.Symbol?.ContainingType is not { } type) return new List<SyntaxTree>();
        return type.GetMembers(target.Symbol.Name + "Backward")
            .SelectMany(m => m.DeclaringSyntaxReferences).Select(r => r.SyntaxTree)
            .Where(generatedTrees.Contains).Distinct().ToList();
    }

    /// <summary>
    /// The GG errors of one source, indexed: an error explains a target when it starts inside the target's declaration or
    /// names it as the [Differentiable] method (message argument 0). Indexed because a source may hold thousands of both.
    /// </summary>
    private sealed class Explanations
    {
        private static readonly System.Text.RegularExpressions.Regex MethodName = new(@"method '([^']*)'", System.Text.RegularExpressions.RegexOptions.Compiled);
        private readonly ILookup<string, Diagnostic> _byName;
        private readonly Dictionary<SyntaxTree, (int[] Starts, Diagnostic[] Diagnostics)> _byPosition;

        public Explanations(IEnumerable<Diagnostic> diagnostics)
        {
            All = diagnostics.ToList();
            _byName = All.SelectMany(d => MethodName.Matches(d.GetMessage()).Cast<System.Text.RegularExpressions.Match>().Select(m => (Name: m.Groups[1].Value, Diagnostic: d)))
                .ToLookup(p => p.Name, p => p.Diagnostic);
            _byPosition = All.Where(d => d.Location.SourceTree is not null).GroupBy(d => d.Location.SourceTree!).ToDictionary(g => g.Key, g =>
            {
                var sorted = g.OrderBy(d => d.Location.SourceSpan.Start).ToArray();
                return (sorted.Select(d => d.Location.SourceSpan.Start).ToArray(), sorted);
            });
        }

        public List<Diagnostic> All { get; }

        public List<Diagnostic> Explaining(Target target)
        {
            var found = new HashSet<Diagnostic>(_byName[target.Name]);
            if (_byPosition.TryGetValue(target.Syntax.SyntaxTree, out var index))
            {
                var span = target.Syntax.FullSpan;
                var first = Array.BinarySearch(index.Starts, span.Start);
                if (first < 0) first = ~first;
                while (first > 0 && index.Starts[first - 1] == span.Start) first--;
                for (var i = first; i < index.Starts.Length && index.Starts[i] <= span.End; i++) found.Add(index.Diagnostics[i]);
            }
            return found.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        }
    }

    public static string Where(Location location) =>
        location.SourceTree is null ? "(no location)" : location.GetLineSpan().Path + ":" + (location.GetLineSpan().StartLinePosition.Line + 1) + ":" + (location.GetLineSpan().StartLinePosition.Character + 1);

    public static string Where(Diagnostic diagnostic) => Where(diagnostic.Location);

    public static string Show(Diagnostic diagnostic) => diagnostic.Id + " " + Where(diagnostic) + " " + diagnostic.GetMessage();
}
