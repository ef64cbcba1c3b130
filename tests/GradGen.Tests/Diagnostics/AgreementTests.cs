using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using GradGen.Generators.Diagnostics;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// Both directions of "the analyzer and the generator agree": over a corpus of supported and unsupported sources, the
/// analyzer reports an error for a [Differentiable] method if and only if the generator emitted no backward for it. So no
/// diagnostic always means a backward was generated (and it compiles), and every rejection shows as a diagnostic.
/// </summary>
public class AgreementTests
{
    /// <summary>Calls between methods, where the verdict on one depends on another.</summary>
    private const string Calls = """
        public static partial class Calls
        {
            [Differentiable]
            public static double CallsRejected(double a) => Looping(a) * a;

            [Differentiable]
            public static double Looping(double a)
            {
                var s = a;
                while (s < 10) s = s * 2;
                return s;
            }

            [Differentiable]
            public static double CallsAccepted(double a) => Accepted(a) * a;

            [Differentiable]
            public static double Accepted(double a) => a * a;

            [Differentiable]
            public static double CallsNonPartial(double a) => NotPartial.Square(a);

            [Differentiable]
            public static double CallsSelfRecursive(double a) => SelfRecursive(a);

            [Differentiable]
            public static double SelfRecursive(double a) => SelfRecursive(a / 2) * a;
        }

        public static class NotPartial
        {
            [Differentiable]
            public static double Square(double a) => a * a;
        }
        """;

    private static IEnumerable<string> Sources()
    {
        foreach (var (_, source) in Corpus.RuleCases) yield return Verify.WithUsings(source);
        yield return Verify.WithUsings(Corpus.SupportedShapes);
        yield return Verify.WithUsings(Calls);
        foreach (var (_, source) in Corpus.Samples) yield return source;
        var i = 0;
        foreach (var row in AnalyzerTests.Located) yield return Wrap("Located" + i++, (string)row[1]);
        i = 0;
        foreach (var row in AnalyzerTests.Messages) yield return Wrap("Messages" + i++, (string)row[0]);
    }

    /// <summary>Each test source declares its own <c>C</c>: give each a namespace so all fit one compilation.</summary>
    private static string Wrap(string ns, string markupSource) =>
        Harness.Usings + "namespace " + ns + "\n{\n" + Corpus.StripMarkup(markupSource) + "\n}\n";

    [Fact]
    public async Task Analyzer_reports_an_error_for_a_method_if_and_only_if_the_generator_emits_no_backward()
    {
        var compilation = Harness.Compilation(Sources().ToArray());
        var sourceErrors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(sourceErrors.Count == 0, "the corpus must compile: " + string.Join("\n", sourceErrors.Take(10)));

        var analyzerDiagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        var generated = Harness.Run(compilation).Output;

        var methods = DifferentiableMethods(compilation).ToList();
        var errors = new Dictionary<IMethodSymbol, List<Diagnostic>>(SymbolEqualityComparer.Default);
        foreach (var (symbol, _) in methods) errors[symbol] = new List<Diagnostic>();
        foreach (var diagnostic in analyzerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            var owners = Owners(diagnostic, methods).ToList();
            Assert.True(owners.Count > 0, "an error outside any [Differentiable] method: " + diagnostic);
            foreach (var owner in owners) errors[owner].Add(diagnostic);
        }

        var generatedTrees = generated.SyntaxTrees.Except(compilation.SyntaxTrees).ToList();
        var disagreements = new List<string>();
        int accepted = 0, rejected = 0;
        foreach (var (symbol, _) in methods)
        {
            var hasBackward = HasGeneratedBackward(generated, symbol, generatedTrees);
            var hasError = errors[symbol].Count > 0;
            if (hasError == hasBackward)
            {
                disagreements.Add(symbol.ToDisplayString() + (hasError
                    ? ": the generator emitted a backward, but the analyzer reports " + string.Join("; ", errors[symbol])
                    : ": the analyzer reports no error, but the generator emitted no backward"));
            }
            if (hasBackward) accepted++; else rejected++;
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        Assert.True(accepted >= 80 && rejected >= 80, $"the corpus should hold many of both: {accepted} accepted, {rejected} rejected");

        var generatedErrors = generated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && generatedTrees.Contains(tree)).ToList();
        Assert.True(generatedErrors.Count == 0, "generated code does not compile:\n" + string.Join("\n", generatedErrors.Take(10)));
    }

    private static IEnumerable<(IMethodSymbol Symbol, MethodDeclarationSyntax Syntax)> DifferentiableMethods(Compilation compilation)
    {
        var attribute = compilation.GetTypeByMetadataName("GradGen.DifferentiableAttribute");
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var syntax in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
            {
                if (model.GetDeclaredSymbol(syntax) is IMethodSymbol symbol &&
                    symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute)))
                {
                    yield return (symbol, syntax);
                }
            }
        }
    }

    /// <summary>The method a diagnostic is inside; for one at a type's name (GG0001), every [Differentiable] method in that type.</summary>
    private static IEnumerable<IMethodSymbol> Owners(Diagnostic diagnostic, List<(IMethodSymbol Symbol, MethodDeclarationSyntax Syntax)> methods)
    {
        var span = diagnostic.Location.SourceSpan;
        var tree = diagnostic.Location.SourceTree;
        var inside = methods.Where(m => m.Syntax.SyntaxTree == tree && m.Syntax.Span.Contains(span)).ToList();
        if (inside.Count > 0) return inside.Select(m => m.Symbol);
        return methods.Where(m => m.Syntax.SyntaxTree == tree &&
            m.Syntax.Ancestors().OfType<TypeDeclarationSyntax>().Any(t => t.Identifier.Span == span)).Select(m => m.Symbol);
    }

    private static bool HasGeneratedBackward(Compilation generated, IMethodSymbol method, List<SyntaxTree> generatedTrees)
    {
        var type = generated.GetTypeByMetadataName(MetadataName(method.ContainingType));
        return type is not null && type.GetMembers(method.Name + "Backward")
            .Any(m => m.DeclaringSyntaxReferences.Any(r => generatedTrees.Contains(r.SyntaxTree)));
    }

    private static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingType is { } outer ? MetadataName(outer) + "+" + type.MetadataName
        : type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName
        : type.MetadataName;
}
