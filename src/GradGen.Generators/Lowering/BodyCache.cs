using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lowered bodies kept across compilations, so an edit lowers only the methods it touched. Roslyn runs the generator's
/// transform for every <c>[Differentiable]</c> method on every new compilation — an edit anywhere, in any file — and the
/// analyzer runs on every one too; without this each would bind every method body again per keystroke.
/// </summary>
/// <remarks>
/// A body is reused when the method's own text (with its trivia) is the same and the compilation's
/// <see cref="Declarations"/> are equal: then every name in the body binds to the same declarations, so lowering it again
/// would give the same model, rejections and calls. What a body's lowering does not see — other bodies — is exactly what an
/// edit usually changes; whether a call still chains (its callee's body may have changed) is decided again per compilation
/// by <see cref="CallGraph"/>, from the bodies it finds here or lowers. Locations are kept relative to the method and put
/// back on its current tree; callees are kept by documentation ID and found again in the new compilation (a body whose
/// callee is not found is lowered again). The generator's compilation and the analyzer's differ only by the generated
/// code, which the declarations leave out unless the body names a generated member (see <see cref="Declarations"/>): so
/// the analyzer reuses what the generator lowered, and nothing is bound twice. A body that does not compile is not kept
/// (whether it compiles may depend on the generated code; it is the one being edited).
/// </remarks>
internal static class BodyCache
{
    /// <summary>Beyond this many methods (renamed and deleted ones linger) the cache starts again.</summary>
    private const int Capacity = 20_000;

    private const int EntriesPerMethod = 2;

    private static readonly Dictionary<string, Entry[]> Entries = new(StringComparer.Ordinal);

    /// <summary>What identifies one method's body in one compilation; null for what is never cached (lambdas, local functions, partial declarations, duplicate members).</summary>
    public static Key? KeyOf(IMethodSymbol method, Compilation compilation, CancellationToken cancellationToken)
    {
        if (method.MethodKind != MethodKind.Ordinary || method.DeclaringSyntaxReferences.Length != 1) return null;
        if (method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not MethodDeclarationSyntax syntax) return null;
        if (!compilation.ContainsSyntaxTree(syntax.SyntaxTree) || method.GetDocumentationCommentId() is not { } id) return null;
        // A duplicate member (CS0111) is another symbol with the same ID — and perhaps the same text: not one body.
        if (method.ContainingType?.GetMembers(method.Name).Count(m => m is IMethodSymbol && m.GetDocumentationCommentId() == id) > 1) return null;
        return new Key(compilation.AssemblyName + "|" + id, syntax, syntax.ToFullString(), compilation, cancellationToken);
    }

    /// <summary>The body lowered earlier from the same text against the same declarations, on this compilation; or null.</summary>
    public static LoweredBody? Find(Key key, Compilation compilation)
    {
        Entry[]? entries;
        lock (Entries)
        {
            if (!Entries.TryGetValue(key.Id, out entries)) return null;
        }
        var entry = entries.FirstOrDefault(e => e.Text == key.Text && e.Declarations.Equals(key.Declarations(e.NamesGenerated)));
        return entry?.On(key.Syntax, compilation);
    }

    /// <summary>Keeps a body lowered on this key's compilation (unless it points outside its method: then it is lowered each time).</summary>
    public static void Add(Key key, LoweredBody body)
    {
        if (body.Rejections.Any(r => r.Kind == RejectionKind.DoesNotCompile) || Entry.Of(key, body) is not { } entry) return;
        lock (Entries)
        {
            if (Entries.Count >= Capacity) Entries.Clear();
            var older = Entries.TryGetValue(key.Id, out var existing)
                ? existing.Where(e => !e.Declarations.Equals(entry.Declarations)).Take(EntriesPerMethod - 1)
                : Enumerable.Empty<Entry>();
            Entries[key.Id] = older.Prepend(entry).ToArray();
        }
    }

    /// <summary>
    /// Set by the test assemblies: every body found here is also lowered again and must be equal, or <see cref="Check"/>
    /// throws (the generator then fails and the analyzer reports AD0001, so the test fails) — every reuse in every test is
    /// checked against what lowering gives.
    /// </summary>
    internal static bool CheckHits { get; set; }

    /// <summary>Throws unless <paramref name="found"/> (from the cache) and <paramref name="lowered"/> (lowered now) are equal.</summary>
    internal static void Check(IMethodSymbol method, LoweredBody found, LoweredBody lowered)
    {
        static string Show(LoweredBody body) => string.Join("; ",
            body.Rejections.Select(r => $"{r.Kind} at {r.Location.SourceSpan} [{string.Join(", ", r.Args)}] {r.AdditionalLocation?.SourceSpan}")
                .Concat(body.Calls.Select(c => $"call {c.Callee.ToDisplayString()} at {c.Location.SourceSpan}")));
        var equal = Equals(found.Model, lowered.Model)
            && found.Rejections.Count == lowered.Rejections.Count
            && found.Rejections.Zip(lowered.Rejections, (a, b) => a.Kind == b.Kind && a.Location == b.Location && a.Args.SequenceEqual(b.Args) && a.AdditionalLocation == b.AdditionalLocation).All(same => same)
            && found.Calls.Count == lowered.Calls.Count
            && found.Calls.Zip(lowered.Calls, (a, b) => SymbolEqualityComparer.Default.Equals(a.Callee, b.Callee) && a.Location == b.Location).All(same => same);
        if (!equal)
        {
            throw new InvalidOperationException($"BodyCache: the body of {method.ToDisplayString()} found in the cache differs from lowering it again. " +
                $"Cached: model {(found.Model is null ? "none" : "present")}; {Show(found)}. Lowered: model {(lowered.Model is null ? "none" : "present")}; {Show(lowered)}.");
        }
    }

    internal sealed class Key
    {
        private readonly Compilation _compilation;
        private readonly CancellationToken _cancellationToken;

        public Key(string id, MethodDeclarationSyntax syntax, string text, Compilation compilation, CancellationToken cancellationToken)
        {
            Id = id;
            Syntax = syntax;
            Text = text;
            _compilation = compilation;
            _cancellationToken = cancellationToken;
        }

        public string Id { get; }

        public MethodDeclarationSyntax Syntax { get; }

        public string Text { get; }

        /// <summary>True when the body names an identifier a generated member could have (see <see cref="Declarations"/>).</summary>
        public bool NamesGenerated => _namesGenerated ??= Syntax.DescendantTokens().Any(token =>
            token.IsKind(SyntaxKind.IdentifierToken) && Naming.GeneratedSuffixes.Any(suffix => token.ValueText.EndsWith(suffix, StringComparison.Ordinal)));

        private bool? _namesGenerated;

        /// <summary>The compilation's declarations, with the generated code or without it.</summary>
        public Declarations Declarations(bool withGenerated) => Lowering.Declarations.Of(_compilation, withGenerated, _cancellationToken);
    }

    /// <summary>A lowered body with its locations relative to the method's first character (null: <see cref="Location.None"/>).</summary>
    private sealed class Entry
    {
        private readonly MethodModel? _model;
        private readonly (RejectionKind Kind, TextSpan? Span, string[] Args, TextSpan? Additional, bool HasAdditional)[] _rejections;
        private readonly (string CalleeId, TextSpan? Span)[] _calls;

        private Entry(Key key, MethodModel? model, (RejectionKind, TextSpan?, string[], TextSpan?, bool)[] rejections, (string, TextSpan?)[] calls)
        {
            Text = key.Text;
            NamesGenerated = key.NamesGenerated;
            Declarations = key.Declarations(NamesGenerated);
            _model = model;
            _rejections = rejections;
            _calls = calls;
        }

        public string Text { get; }

        /// <summary>Whether the body names a generated member: then <see cref="Declarations"/> include the generated code.</summary>
        public bool NamesGenerated { get; }

        public Declarations Declarations { get; }

        public static Entry? Of(Key key, LoweredBody body)
        {
            var rejections = new (RejectionKind, TextSpan?, string[], TextSpan?, bool)[body.Rejections.Count];
            for (var i = 0; i < rejections.Length; i++)
            {
                var rejection = body.Rejections[i];
                if (!TryRelative(key.Syntax, rejection.Location, out var span)) return null;
                TextSpan? additional = null;
                if (rejection.AdditionalLocation is { } extra && !TryRelative(key.Syntax, extra, out additional)) return null;
                rejections[i] = (rejection.Kind, span, rejection.Args, additional, rejection.AdditionalLocation is not null);
            }
            var calls = new (string, TextSpan?)[body.Calls.Count];
            for (var i = 0; i < calls.Length; i++)
            {
                var (callee, location) = body.Calls[i];
                if (callee.GetDocumentationCommentId() is not { } id || !TryRelative(key.Syntax, location, out var span)) return null;
                calls[i] = (id, span);
            }
            return new Entry(key, body.Model, rejections, calls);
        }

        /// <summary>This body on a method with the same text in <paramref name="compilation"/>; null when a callee is not found there.</summary>
        public LoweredBody? On(MethodDeclarationSyntax syntax, Compilation compilation)
        {
            var calls = new (IMethodSymbol, Location)[_calls.Length];
            for (var i = 0; i < calls.Length; i++)
            {
                var callee = DocumentationCommentId.GetSymbolsForDeclarationId(_calls[i].CalleeId, compilation)
                    .OfType<IMethodSymbol>()
                    .FirstOrDefault(m => m.DeclaringSyntaxReferences.Any(r => compilation.ContainsSyntaxTree(r.SyntaxTree)));
                if (callee is null) return null;
                calls[i] = (callee, Absolute(syntax, _calls[i].Span));
            }
            var rejections = _rejections
                .Select(r => new Rejection(r.Kind, Absolute(syntax, r.Span), r.Args, r.HasAdditional ? Absolute(syntax, r.Additional) : null))
                .ToArray();
            return new LoweredBody(_model, rejections, calls);
        }

        private static bool TryRelative(SyntaxNode syntax, Location location, out TextSpan? span)
        {
            span = null;
            if (location.Kind == LocationKind.None) return true;
            if (location.SourceTree != syntax.SyntaxTree || !syntax.FullSpan.Contains(location.SourceSpan)) return false;
            span = new TextSpan(location.SourceSpan.Start - syntax.FullSpan.Start, location.SourceSpan.Length);
            return true;
        }

        private static Location Absolute(SyntaxNode syntax, TextSpan? span) =>
            span is { } relative ? Location.Create(syntax.SyntaxTree, new TextSpan(syntax.FullSpan.Start + relative.Start, relative.Length)) : Location.None;
    }
}
