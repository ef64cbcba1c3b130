using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

// The in-process replay of a keystroke in csharp-ls 0.28 (docs/performance.md, "A keystroke in csharp-ls"): a long-lived
// generator driver with every generator of the project, then a new CompilationWithAnalyzers with every analyzer,
// GetAllDiagnosticsAsync — what the server does per textDocument/diagnostic. CPU ms per edit, so a loaded machine matters less.
//   replay PROJECTDIR REFS.json ANALYZERS.json EDITS [MODE]
// REFS.json / ANALYZERS.json: `dotnet msbuild -t:FindReferenceAssembliesForReferences -getItem:ReferencePathWithRefAssemblies
// -getItem:Compile` and `dotnet msbuild -t:Build -getItem:Analyzer` in the consumer (consumer.sh). The edit toggles
// `Math.Round(x) * x` in Rounds (SPACE=1: a trailing space instead). MODE: all (default), no-analyzers, no-gradgen-analyzer,
// only-gradgen-analyzer, nullable-annotations (the generated files' header rewritten), no-docs (their /// lines removed; rewrite: same text, new trees), without:ASSEMBLY, only:ASSEMBLY, split, reparse, replace.
// Run with DOTNET_TieredCompilation=0 to take the JIT's warm-up out.
var dir = args[0]; var refsJson = JsonDocument.Parse(File.ReadAllText(args[1])); var anaJson = JsonDocument.Parse(File.ReadAllText(args[2]));
var edits = int.Parse(args[3]); var mode = args.Length > 4 ? args[4] : "all";
var refs = refsJson.RootElement.GetProperty("Items").GetProperty("ReferencePathWithRefAssemblies").EnumerateArray()
    .Select(r => (MetadataReference)MetadataReference.CreateFromFile(r.GetProperty("FullPath").GetString()!)).ToList();
var parse = new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Parse);
var user = refsJson.RootElement.GetProperty("Items").GetProperty("Compile").EnumerateArray()
    .Select(c => Path.Combine(dir, c.GetProperty("Identity").GetString()!))
    .Select(p => CSharpSyntaxTree.ParseText(File.ReadAllText(p), parse, p)).ToList();
var loader = new Loader();
var references = anaJson.RootElement.GetProperty("Items").GetProperty("Analyzer").EnumerateArray()
    .Select(a => new AnalyzerFileReference(a.GetProperty("FullPath").GetString()!, loader)).ToList();
var generators = references.SelectMany(r => r.GetGenerators(LanguageNames.CSharp)).ToList();
var analyzers = references.SelectMany(r => r.GetAnalyzers(LanguageNames.CSharp))
    .Where(a => mode != "no-gradgen-analyzer" || !a.GetType().FullName!.StartsWith("GradGen"))
    .Where(a => mode != "only-gradgen-analyzer" || a.GetType().FullName!.StartsWith("GradGen"))
    .Where(a => mode is not ("no-analyzers" or "reparse" or "split" or "replace"))
    // without:NAME / only:NAME — the analyzers of assemblies whose name contains NAME left out / kept alone (bisecting).
    .Where(a => !mode.StartsWith("without:") || !a.GetType().Assembly.GetName().Name!.Contains(mode.Substring(8)))
    .Where(a => !mode.StartsWith("only:") || a.GetType().Assembly.GetName().Name!.Contains(mode.Substring(5)))
    .ToImmutableArray();
Console.WriteLine($"{generators.Count} generators, {analyzers.Length} analyzers, mode {mode}: " + string.Join(", ", analyzers.GroupBy(a => a.GetType().Assembly.GetName().Name).Select(g => g.Key + " " + g.Count())));
// SERIAL=1: the compiler and the analyzer driver on one thread (concurrentBuild / concurrentAnalysis off): less CPU lost to
// threads spinning while they wait for each other on a shared machine, so A/B differences of the work itself show.
var serial = Environment.GetEnvironmentVariable("SERIAL") == "1";
var options = new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: !serial);
var compilation = (Compilation)CSharpCompilation.Create("Consumer", user, refs, options);
GeneratorDriver driver = CSharpGeneratorDriver.Create(generators, parseOptions: parse, driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));
if (mode == "flags")
{
    // Which analyzers look at generated code (ConfigureGeneratedCodeAnalysis; not called = Roslyn's default, Analyze |
    // ReportDiagnostics) and with which actions: Initialize on a recording context, compilation-start actions run on this
    // project's compilation (with what the generators added).
    driver.RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
    var byFlags = new List<(string Flags, string Analyzer, string Actions)>();
    foreach (var a in analyzers)
    {
        var recording = new Recording(generated);
        try { a.Initialize(recording); } catch (Exception x) { recording.Actions.Add("threw " + x.GetType().Name); }
        // Off by default (every diagnostic it reports disabled unless configured): the analyzer driver does not run it.
        var on = a.SupportedDiagnostics.Any(d => d.IsEnabledByDefault);
        byFlags.Add(((recording.Flags?.ToString() ?? "(default)") + (on ? ", on by default" : ", off by default"), a.GetType().Assembly.GetName().Name + ": " + a.GetType().Name, string.Join(",", recording.Actions.Distinct().Order())));
    }
    foreach (var g in byFlags.GroupBy(f => f.Flags))
    {
        Console.WriteLine($"{g.Key}: {g.Count()} analyzers; actions: " + string.Join(" ", g.SelectMany(x => x.Actions.Split(',', StringSplitOptions.RemoveEmptyEntries)).GroupBy(x => x).Select(x => x.Key + "×" + x.Count())));
        if (g.Key.StartsWith("None") is false && g.Key.EndsWith("off by default") is false) foreach (var x in g) Console.WriteLine($"  {x.Analyzer}: {x.Actions}");
    }
    return;
}
if (mode.StartsWith("ab:"))
{
    // ab:DIR1:DIR2…: what a keystroke's new compilation costs over fixed sources — each DIR holds every source file of one
    // variant (user and generated, written by DUMPDIR=… in another run); the variants in turn within this one process, so
    // the load of a shared machine falls on all alike. Per variant: CPU ms of a fresh compilation's GetDiagnostics (compiler
    // only), and of a fresh compilation's GetAllDiagnosticsAsync with every analyzer; EDITS rounds, median and min.
    // DIR@DLL: that variant with the analyzers of the assembly named like DLL (e.g. GradGen.Generators.dll) taken from DLL
    // instead (a variant build of an analyzer, loaded in its own load context).
    var variants = mode.Substring(3).Split(':').Select(v => (Spec: v, Dir: v.Split('@')[0], Alt: v.Contains('@') ? v.Split('@')[1] : null)).Select(v => (Dir: v.Spec,
        Trees: Directory.GetFiles(v.Dir, "*.cs").OrderBy(f => f, StringComparer.Ordinal).Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f)).ToList(),
        Analyzers: v.Alt is null ? analyzers : analyzers.Where(a => a.GetType().Assembly.GetName().Name != Path.GetFileNameWithoutExtension(v.Alt))
            .Concat(new AnalyzerFileReference(Path.GetFullPath(v.Alt), new Loader(isolated: true)).GetAnalyzers(LanguageNames.CSharp)).ToImmutableArray())).ToList();
    // Each timed section starts after a full collection (the garbage of the previous variant is not charged to the next),
    // and also counts the bytes it allocated: a much steadier measure of the work than CPU time on a shared machine.
    // AB=compiler: the compiler only (for a profiler).
    var times = variants.ToDictionary(v => v.Dir, _ => (Compiler: new List<double>(), All: new List<double>(), CompilerMb: new List<double>(), AllMb: new List<double>()));
    static void Settle() { GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect(); }
    static double Mb() => GC.GetTotalAllocatedBytes(precise: true) / 1e6;
    for (var round = 0; round < edits + 2; round++)
    {
        foreach (var (d, trees, variantAnalyzers) in round % 2 == 0 ? variants : Enumerable.Reverse(variants))
        {
            Settle(); var m0 = Mb(); var c0 = Cpu();
            var count = CSharpCompilation.Create("Consumer", trees, refs, options).GetDiagnostics().Length;
            var c1 = Cpu(); var m1 = Mb(); Settle(); var m2 = Mb();
            var c1b = Cpu();
            var all = Environment.GetEnvironmentVariable("AB") == "compiler" ? ImmutableArray<Diagnostic>.Empty : await CSharpCompilation.Create("Consumer", trees, refs, options).WithAnalyzers(variantAnalyzers, new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: !serial, logAnalyzerExecutionTime: false)).GetAllDiagnosticsAsync();
            var c2 = Cpu(); var m3 = Mb();
            if (round == 0) Console.WriteLine($"{d}: {trees.Count} trees, {trees.Sum(t => t.Length)} chars, {count} compiler / {all.Length} all diagnostics: " + string.Join(" ", all.GroupBy(x => x.Id).Select(g => g.Key + "×" + g.Count())));
            if (round >= 2) { times[d].Compiler.Add(c1 - c0); times[d].All.Add(c2 - c1b); times[d].CompilerMb.Add(m1 - m0); times[d].AllMb.Add(m3 - m2); }
        }
    }
    foreach (var (d, t) in times) Console.WriteLine($"ab {d}: compiler median {Med(t.Compiler):F0} min {t.Compiler.Min():F0}; compiler+analyzers median {Med(t.All):F0} min {t.All.Min():F0} (CPU ms, {t.All.Count} rounds); allocated MB median {Med(t.CompilerMb):F1} / {Med(t.AllMb):F1}");
    return;
}
var many = user.First(t => t.FilePath.EndsWith("Many.cs"));
double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
Compilation? keep = null;
var rows = new List<(double gen, double all, double wall, Dictionary<string, double> perAnalyzer)>();
for (var e = 0; e < edits + 6; e++)
{
    var text = many.GetText().ToString();
    var next = Environment.GetEnvironmentVariable("SPACE") == "1" ? (e % 2 == 0 ? text + " " : text.TrimEnd() + "\n") : e % 2 == 0 ? text.Replace("Math.Round(x) * x", "x * x") : text.Replace("=> x * x;", "=> Math.Round(x) * x;");
    var edited = many.WithChangedText(SourceText.From(next));
    compilation = compilation.ReplaceSyntaxTree(many, edited); many = edited;
    var sw = Stopwatch.StartNew(); var c0 = Cpu();
    driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var withGenerated, out _);
    if (mode == "nullable-annotations")
    {
        foreach (var tree in withGenerated.SyntaxTrees.Where(t => t.FilePath.Contains("GradGen.Generators")).ToList())
            withGenerated = withGenerated.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(tree.GetText().ToString().Replace("#nullable enable", "#nullable enable annotations\n#nullable disable warnings"))));
    }
    if (mode is "no-docs" or "rewrite")
    {
        // Attribution: the generated files without their XML doc comments (what documenting the generated members costs per
        // keystroke); "rewrite", the control: the same text in new trees.
        foreach (var tree in withGenerated.SyntaxTrees.Where(t => t.FilePath.Contains("GradGen.Generators")).ToList())
            withGenerated = withGenerated.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(string.Join("\n", tree.GetText().ToString().Split('\n').Where(l => mode == "rewrite" || !l.TrimStart().StartsWith("///"))))));
    }
    if (mode.StartsWith("strip:"))
    {
        // Attribution of single constructs of the generated code (the files rewritten after the generator ran; the code may no
        // longer mean the same, only its compile cost is measured): strip:comments (plain // lines in bodies), strip:crefs
        // (<see cref>/<paramref> as <c>), strip:tape-loads (the pullback's `var x = tape.x;` lines, tape.x read in place),
        // strip:guards (`if (dX is not null) ` prefixes), strip:release (Workspace.Release lines); comma-separated.
        foreach (var tree in withGenerated.SyntaxTrees.Where(t => t.FilePath.Contains("GradGen.Generators")).ToList())
            withGenerated = withGenerated.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(Strip(tree.GetText().ToString(), mode.Substring(6).Split(','))))); 
    }
    if (e == 0 && Environment.GetEnvironmentVariable("DUMPDIR") is { Length: > 0 } dumpDir)
    {
        Directory.CreateDirectory(dumpDir);
        foreach (var tree in withGenerated.SyntaxTrees) File.WriteAllText(Path.Combine(dumpDir, Path.GetFileName(tree.FilePath)), tree.GetText().ToString());
    }
    if (e == 0 && Environment.GetEnvironmentVariable("DUMP") is { Length: > 0 } dump)
        File.WriteAllText(dump, withGenerated.SyntaxTrees.First(t => t.FilePath.EndsWith("Loss3.g.cs")).GetText().ToString());
    if (mode == "replace") { if (keep is null) keep = withGenerated; else { keep = keep.ReplaceSyntaxTree(keep.SyntaxTrees.First(t => t.FilePath.EndsWith("Many.cs")), many); withGenerated = keep; } }
    var c1 = Cpu();
    if (mode == "reparse") withGenerated = CSharpCompilation.Create("Consumer", withGenerated.SyntaxTrees.Select(t => CSharpSyntaxTree.ParseText(t.GetText(), parse, t.FilePath)), refs, options);
    if (mode == "split") { var cd = Cpu(); withGenerated.GetDeclarationDiagnostics(); var cd2 = Cpu(); withGenerated.GetMethodBodyDiagnostics(); if (e >= 6) Console.WriteLine($"decl {cd2 - cd:F0} bodies {Cpu() - cd2:F0} trees {withGenerated.SyntaxTrees.Count()} chars {withGenerated.SyntaxTrees.Sum(t => t.Length)}"); }
    if (analyzers.IsEmpty) { var d0 = withGenerated.GetDiagnostics(); var c3 = Cpu(); if (e >= 6) rows.Add((c1 - c0, c3 - c1, sw.Elapsed.TotalMilliseconds, new())); continue; }
    var cwa = withGenerated.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
    var diagnostics = await cwa.GetAllDiagnosticsAsync();
    var c2 = Cpu(); var wall = sw.Elapsed.TotalMilliseconds;
    var per = new Dictionary<string, double>();
    foreach (var a in analyzers) per[a.GetType().Name] = (await cwa.GetAnalyzerTelemetryInfoAsync(a, default)).ExecutionTime.TotalMilliseconds;
    if (e >= 6) rows.Add((c1 - c0, c2 - c1, wall, per));
    if (e == 0) Console.WriteLine($"trees {withGenerated.SyntaxTrees.Count()}, diagnostics {diagnostics.Length}: " + string.Join(" ", diagnostics.Select(d => d.Id).Distinct()));
}
static string Strip(string text, string[] what)
{
    var lines = text.Split('\n').ToList();
    if (what.Contains("comments")) lines = lines.Where(l => !l.TrimStart().StartsWith("// ") || l.Contains("auto-generated") || l.Contains("Generated by")).ToList();
    if (what.Contains("release")) lines = lines.Where(l => !l.Contains("Workspace.Release(")).ToList();
    if (what.Contains("guards")) lines = lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"^(\s*)if \(\w+ is not null\) ", "$1")).ToList();
    if (what.Contains("crefs")) lines = lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, "<(see cref|paramref name)=\"([^\"]*)\"/>", "<c>$2</c>")).ToList();
    if (what.Contains("tape-loads"))
    {
        // Inside each Pullback: drop `var N = tape.N;` and read tape.N wherever N is used as a whole identifier.
        var result = new List<string>(); var loads = new List<string>(); var inPullback = false;
        foreach (var line in lines)
        {
            if (line.Contains("Pullback(in ")) { inPullback = true; loads.Clear(); }
            else if (inPullback && line.Contains("Workspace? ")) inPullback = false;
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^\s*var (@?\w+) = tape\.\1;$");
            if (inPullback && m.Success) { loads.Add(m.Groups[1].Value); continue; }
            var l = line;
            if (inPullback && !l.TrimStart().StartsWith("//"))
                foreach (var n in loads) l = System.Text.RegularExpressions.Regex.Replace(l, @"(?<![\w.@])" + System.Text.RegularExpressions.Regex.Escape(n) + @"(?![\w])", "tape." + n);
            result.Add(l);
        }
        lines = result;
    }
    return string.Join("\n", lines);
}
double Med(IEnumerable<double> xs) { var l = xs.OrderBy(x => x).ToList(); return l[l.Count / 2]; }
Console.WriteLine($"CPU ms, median of {rows.Count} edits: generators {Med(rows.Select(r => r.gen)):F1}, compiler+analyzers {Med(rows.Select(r => r.all)):F1}; wall {Med(rows.Select(r => r.wall)):F1}");
if (rows[0].perAnalyzer.Count > 0) foreach (var name in rows[0].perAnalyzer.Keys.OrderByDescending(k => Med(rows.Select(r => r.perAnalyzer[k]))).Take(8))
    Console.WriteLine($"  analyzer {name}: {Med(rows.Select(r => r.perAnalyzer[name])):F1} ms");

sealed class Loader(bool isolated = false) : IAnalyzerAssemblyLoader
{
    // isolated: a load context of its own, so a variant build of an assembly already loaded (same name) can sit beside it;
    // what it references (Roslyn) still resolves to the default context.
    private readonly System.Runtime.Loader.AssemblyLoadContext? _context = isolated ? new System.Runtime.Loader.AssemblyLoadContext("variant") : null;
    public void AddDependencyLocation(string fullPath) { }
    public Assembly LoadFromPath(string fullPath) => _context is null ? Assembly.LoadFrom(fullPath) : _context.LoadFromAssemblyPath(fullPath);
}

sealed class Recording(Compilation compilation) : AnalysisContext
{
    public GeneratedCodeAnalysisFlags? Flags; public readonly List<string> Actions = new();
    public override void ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags analysisMode) => Flags = analysisMode;
    public override void EnableConcurrentExecution() { }
    public override void RegisterCompilationStartAction(Action<CompilationStartAnalysisContext> action)
    {
        Actions.Add("compilation-start");
        try { action(new Start(compilation, Actions)); } catch (Exception x) { Actions.Add("start-threw " + x.GetType().Name); }
    }
    public override void RegisterCompilationAction(Action<CompilationAnalysisContext> action) => Actions.Add("compilation");
    public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) => Actions.Add("semantic-model");
    public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds) => Actions.Add("symbol");
    public override void RegisterSymbolStartAction(Action<SymbolStartAnalysisContext> action, SymbolKind symbolKind) => Actions.Add("symbol-start");
    public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) => Actions.Add("code-block-start");
    public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) => Actions.Add("code-block");
    public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) => Actions.Add("syntax-tree");
    public override void RegisterAdditionalFileAction(Action<AdditionalFileAnalysisContext> action) => Actions.Add("additional-file");
    public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds) => Actions.Add("syntax-node");
    public override void RegisterOperationAction(Action<OperationAnalysisContext> action, ImmutableArray<OperationKind> operationKinds) => Actions.Add("operation");
    public override void RegisterOperationBlockStartAction(Action<OperationBlockStartAnalysisContext> action) => Actions.Add("operation-block-start");
    public override void RegisterOperationBlockAction(Action<OperationBlockAnalysisContext> action) => Actions.Add("operation-block");

    sealed class Start(Compilation compilation, List<string> actions) : CompilationStartAnalysisContext(compilation, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), default)
    {
        public override void RegisterCompilationEndAction(Action<CompilationAnalysisContext> action) => actions.Add("start:compilation-end");
        public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) => actions.Add("start:semantic-model");
        public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds) => actions.Add("start:symbol");
        public override void RegisterSymbolStartAction(Action<SymbolStartAnalysisContext> action, SymbolKind symbolKind) => actions.Add("start:symbol-start");
        public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) => actions.Add("start:code-block-start");
        public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) => actions.Add("start:code-block");
        public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) => actions.Add("start:syntax-tree");
        public override void RegisterAdditionalFileAction(Action<AdditionalFileAnalysisContext> action) => actions.Add("start:additional-file");
        public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds) => actions.Add("start:syntax-node");
        public override void RegisterOperationAction(Action<OperationAnalysisContext> action, ImmutableArray<OperationKind> operationKinds) => actions.Add("start:operation");
        public override void RegisterOperationBlockStartAction(Action<OperationBlockStartAnalysisContext> action) => actions.Add("start:operation-block-start");
        public override void RegisterOperationBlockAction(Action<OperationBlockAnalysisContext> action) => actions.Add("start:operation-block");
    }
}
