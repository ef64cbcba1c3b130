using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradGen.CodeFixes;

/// <summary>Builds the syntax the fixes insert, with explicit (never elastic) trivia, so the result keeps the user's layout.</summary>
internal static class AttributeSyntaxes
{
    /// <summary>
    /// <c>[Short]</c> when that binds to <paramref name="metadataName"/> at <paramref name="position"/> (the file has
    /// <c>using GradGen;</c> or a global using), else <c>[GradGen.Short]</c>, else <c>[global::GradGen.Short]</c>: the fix never
    /// adds a using directive that could make another name ambiguous.
    /// </summary>
    public static AttributeListSyntax List(SemanticModel model, int position, string shortName, string metadataName)
    {
        string[] spellings = { shortName, "GradGen." + shortName, "global::GradGen." + shortName };
        var chosen = spellings.FirstOrDefault(s => Binds(model, position, s, metadataName)) ?? spellings[spellings.Length - 1];
        return SyntaxFactory.AttributeList(
            Token(SyntaxKind.OpenBracketToken),
            null,
            SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(chosen))),
            Token(SyntaxKind.CloseBracketToken));
    }

    /// <summary>A token without trivia (<see cref="SyntaxFactory.Token(SyntaxKind)"/> would add elastic trivia).</summary>
    public static SyntaxToken Token(SyntaxKind kind) => SyntaxFactory.Token(SyntaxFactory.TriviaList(), kind, SyntaxFactory.TriviaList());

    /// <summary>The line break the file already uses (\n when it has none).</summary>
    public static SyntaxTrivia EndOfLine(SyntaxNode node)
    {
        var existing = node.SyntaxTree.GetRoot().DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return SyntaxFactory.EndOfLine(existing.IsKind(SyntaxKind.EndOfLineTrivia) ? existing.ToString() : "\n");
    }

    /// <summary>The whitespace that indents the line a node starts on (what follows the last line break of its leading trivia).</summary>
    public static SyntaxTriviaList Indentation(SyntaxNode node)
    {
        var leading = node.GetLeadingTrivia();
        var result = SyntaxFactory.TriviaList();
        for (var i = leading.Count - 1; i >= 0 && leading[i].IsKind(SyntaxKind.WhitespaceTrivia); i--) result = result.Insert(0, leading[i]);
        return result;
    }

    private static bool Binds(SemanticModel model, int position, string spelling, string metadataName)
    {
        var attribute = SyntaxFactory.Attribute(SyntaxFactory.ParseName(spelling));
        var symbol = model.GetSpeculativeSymbolInfo(position, attribute).Symbol;
        return symbol?.ContainingType?.ToDisplayString() == metadataName;
    }
}
