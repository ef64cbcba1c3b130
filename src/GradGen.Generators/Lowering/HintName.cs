using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace GradGen.Generators.Lowering;

/// <summary>
/// The hint name of a method's generated file, from the method and its siblings alone — not from the other generated files —
/// so that each method's file is a source output of its own and an edit re-adds only the file it changes.
/// </summary>
/// <remarks>
/// <c>Namespace.Type.Method.g.cs</c>; a nested type follows its container after <c>+</c> (<c>Ns.Outer+Inner.M.g.cs</c>, so it
/// never reads like a namespace), a generic type has its parameters in braces (<c>Box{T}</c>), <c>@</c> is dropped. Roslyn
/// compares hint names ignoring case, so a segment with a sibling of the same name but for case — methods <c>F</c> and
/// <c>f</c>, types <c>C</c> and <c>c</c>, namespaces <c>A</c> and <c>a</c>, or two declarations of one name in broken code —
/// carries its rank among those siblings: <c>Ns.C.f-2.g.cs</c>. Siblings are ranked by name (ordinal), then by where they
/// are declared, so every compilation of the same code gives the same names; no identifier holds <c>-</c>, so a ranked
/// segment never equals a plain one, and two files whose names agree ignoring case differ in the rank of the first segment
/// where their symbols differ. Computed on every run of the generator's transform (Roslyn runs it for every method on every
/// compilation), so a twin added in another file renames the file at once.
/// </remarks>
internal static class HintName
{
    public static string Of(IMethodSymbol method)
    {
        var builder = new StringBuilder();
        var namespaces = new List<INamespaceSymbol>();
        for (var ns = method.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace) namespaces.Insert(0, ns);
        foreach (var ns in namespaces)
        {
            Segment(builder, ns, Sanitize(ns.Name), ns.ContainingNamespace.GetNamespaceMembers(), static n => Sanitize(n.Name));
            builder.Append('.');
        }
        var types = new List<INamedTypeSymbol>();
        for (var type = method.ContainingType; type is not null; type = type.ContainingType) types.Insert(0, type);
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            if (i > 0) builder.Append('+');
            var siblings = type.ContainingType is { } outer ? outer.GetTypeMembers() : type.ContainingNamespace.GetTypeMembers();
            Segment(builder, type, TypeText(type), siblings.Where(s => string.Equals(s.Name, type.Name, StringComparison.OrdinalIgnoreCase)), TypeText);
        }
        if (types.Count > 0) builder.Append('.');
        var twins = method.ContainingType is { } containing
            ? containing.GetMembers().OfType<IMethodSymbol>().Where(m => string.Equals(m.Name, method.Name, StringComparison.OrdinalIgnoreCase)
                && !SymbolEqualityComparer.Default.Equals(m, method.PartialDefinitionPart) && !SymbolEqualityComparer.Default.Equals(m, method.PartialImplementationPart)
                && Symbols.HasAttribute(m, Symbols.DifferentiableAttribute))
            : Enumerable.Empty<IMethodSymbol>();
        Segment(builder, method, Sanitize(method.Name), twins, static m => Sanitize(m.Name));
        return builder.Append(".g.cs").ToString();
    }

    /// <summary>Appends a segment's text, and <c>-rank</c> when a sibling has the same text ignoring case.</summary>
    private static void Segment<T>(StringBuilder builder, T symbol, string text, IEnumerable<T> siblings, Func<T, string> textOf) where T : ISymbol
    {
        builder.Append(text);
        var rank = 1;
        foreach (var other in siblings)
        {
            if (SymbolEqualityComparer.Default.Equals(other, symbol)) continue;
            var otherText = textOf(other);
            if (!string.Equals(otherText, text, StringComparison.OrdinalIgnoreCase)) continue;
            var order = string.CompareOrdinal(otherText, text);
            if (order < 0 || order == 0 && ComparePositions(other, symbol) < 0) rank++;
        }
        if (rank > 1) builder.Append('-').Append(rank.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Orders two declarations of the same name by their first location: metadata first, then file path and position.</summary>
    private static int ComparePositions(ISymbol a, ISymbol b)
    {
        var x = a.Locations.FirstOrDefault(l => l.IsInSource);
        var y = b.Locations.FirstOrDefault(l => l.IsInSource);
        if (x is null || y is null) return (x is null ? 0 : 1) - (y is null ? 0 : 1);
        var path = string.CompareOrdinal(x.SourceTree?.FilePath, y.SourceTree?.FilePath);
        return path != 0 ? path : x.SourceSpan.Start.CompareTo(y.SourceSpan.Start);
    }

    /// <summary>A type's segment: its name and type parameters, <c>Box{T,U}</c>.</summary>
    private static string TypeText(INamedTypeSymbol type) =>
        Sanitize(type.TypeParameters.Length == 0 ? type.Name : type.Name + "<" + string.Join(",", type.TypeParameters.Select(p => p.Name)) + ">");

    /// <summary>Keeps letters, digits and <c>_ , { }</c> (generic brackets become braces); drops <c>@</c>; anything else becomes <c>_</c>.</summary>
    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c == '@') continue;
            builder.Append(c switch
            {
                '<' => '{',
                '>' => '}',
                _ when char.IsLetterOrDigit(c) || c is '_' or ',' => c,
                _ => '_',
            });
        }
        return builder.ToString();
    }
}
