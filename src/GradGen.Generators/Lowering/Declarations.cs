using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Everything in a compilation that a method body can bind to, except the other bodies: each tree's text without the
/// bodies of its methods, constructors, operators and destructors (a marker stands where one was, so <c>get;</c> and a
/// body-less declaration still differ), with every preprocessor directive kept — bodies' too (a <c>#nullable</c> inside one
/// body changes the code after it) — and each tree's path and parse options; the compilation's assembly name and options;
/// its references. Two compilations with equal declarations give one method text the same binding, so its lowering can be
/// reused (<see cref="BodyCache"/>). The code GradGen generated can be left out: it only adds members named after a
/// <c>[Differentiable]</c> method plus a suffix (<see cref="Model.Naming.GeneratedSuffixes"/>) to partial types, with no
/// modifiers, attributes or base types, so it changes the binding only of a body that names such a member — then the
/// declarations with it are compared. So the analyzer (whose compilation holds the generated code) reuses the bodies the
/// generator lowered (whose compilation does not). Property and indexer accessors, field initializers and top-level statements count as
/// declarations: an edit there is rare while typing and is answered by lowering everything again.
/// </summary>
/// <remarks>
/// Computed once per compilation, and the text once per syntax tree (an edit re-parses one tree; the others are the same
/// objects). Equal declarations of consecutive compilations are the same object, so most comparisons are one reference check.
/// </remarks>
internal sealed class Declarations : IEquatable<Declarations>
{
    private static readonly ConditionalWeakTable<Compilation, Declarations> OfCompilation = new();
    private static readonly ConditionalWeakTable<Compilation, Declarations> OfCompilationWithoutGenerated = new();
    private static readonly ConditionalWeakTable<SyntaxTree, TreeDeclarations> OfTree = new();
    private static readonly Declarations?[] Recent = new Declarations?[4];
    private static int _nextRecent;

    private readonly string? _assemblyName;
    private readonly CompilationOptions _options;
    private readonly TreeDeclarations[] _trees;
    private readonly object[] _references;

    private Declarations(string? assemblyName, CompilationOptions options, TreeDeclarations[] trees, object[] references)
    {
        _assemblyName = assemblyName;
        _options = options;
        _trees = trees;
        _references = references;
    }

    /// <summary>
    /// The declarations of <paramref name="compilation"/>, with or without the code GradGen generated; equal declarations
    /// seen recently are the same object.
    /// </summary>
    public static Declarations Of(Compilation compilation, bool withGenerated, CancellationToken cancellationToken)
    {
        var table = withGenerated ? OfCompilation : OfCompilationWithoutGenerated;
        if (table.TryGetValue(compilation, out var known)) return known;
        var trees = compilation.SyntaxTrees
            .Where(tree => withGenerated || !tree.FilePath.Contains(Model.Naming.GeneratorName))
            .Select(tree => OfTree.GetValue(tree, t => new TreeDeclarations(t, cancellationToken)))
            .ToArray();
        var computed = new Declarations(compilation.AssemblyName, compilation.Options, trees, compilation.References.Select(Identity).ToArray());
        lock (Recent)
        {
            var same = Recent.FirstOrDefault(recent => recent is not null && recent.Equals(computed));
            if (same is null)
            {
                Recent[_nextRecent] = same = computed;
                _nextRecent = (_nextRecent + 1) % Recent.Length;
            }
            return table.GetValue(compilation, _ => same);
        }
    }

    /// <summary>
    /// What a reference stands for: a metadata file's loaded metadata (a compiler server loading the same unchanged file
    /// again gives the same id), otherwise the reference itself (a project reference changes with its project), held weakly:
    /// a project reference holds that project's whole compilation.
    /// </summary>
    private static object Identity(MetadataReference reference)
    {
        if (reference is PortableExecutableReference file)
        {
            try
            {
                return file.GetMetadataId();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // unreadable: the compiler reports it; the reference itself is a conservative identity
            }
        }
        return new Weak(reference);
    }

    /// <summary>An object compared by identity while it lives; once collected it equals nothing.</summary>
    private sealed class Weak : IEquatable<Weak>
    {
        private readonly WeakReference<object> _target;

        public Weak(object target) => _target = new WeakReference<object>(target);

        public bool Equals(Weak? other) =>
            other is not null && _target.TryGetTarget(out var mine) && other._target.TryGetTarget(out var theirs) && ReferenceEquals(mine, theirs);

        public override bool Equals(object? obj) => Equals(obj as Weak);

        public override int GetHashCode() => 0;
    }

    public bool Equals(Declarations? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || _assemblyName == other._assemblyName
               && _options.Equals(other._options)
               && _trees.SequenceEqual(other._trees)
               && _references.SequenceEqual(other._references));

    public override bool Equals(object? obj) => Equals(obj as Declarations);

    public override int GetHashCode() => _trees.Length;

    /// <summary>One tree's declarations: its path, parse options and text outside bodies (see <see cref="Declarations"/>).</summary>
    private sealed class TreeDeclarations : IEquatable<TreeDeclarations>
    {
        private readonly string _path;
        private readonly ParseOptions _options;
        private readonly string _text;

        public TreeDeclarations(SyntaxTree tree, CancellationToken cancellationToken)
        {
            _path = tree.FilePath;
            _options = tree.Options;
            _text = TextOutsideBodies(tree.GetRoot(cancellationToken));
        }

        public bool Equals(TreeDeclarations? other) =>
            other is not null
            && (ReferenceEquals(this, other) || _path == other._path && _text == other._text && _options.Equals(other._options));

        public override bool Equals(object? obj) => Equals(obj as TreeDeclarations);

        public override int GetHashCode() => _text.Length;

        private static string TextOutsideBodies(SyntaxNode root)
        {
            var text = new StringBuilder();
            foreach (var item in root.DescendantNodesAndTokens(node => !IsBody(node)))
            {
                if (item.AsNode() is { } node)
                {
                    if (!IsBody(node)) continue;
                    text.Append("\u0001body");
                    if (node.ContainsDirectives) AppendDirectives(text, node.DescendantTrivia());
                }
                else
                {
                    var token = item.AsToken();
                    // Length-prefixed, so no two token sequences read the same.
                    text.Append(token.Text.Length).Append(':').Append(token.Text);
                    if (token.ContainsDirectives) AppendDirectives(text, token.LeadingTrivia.Concat(token.TrailingTrivia));
                }
            }
            return text.ToString();
        }

        private static void AppendDirectives(StringBuilder text, IEnumerable<SyntaxTrivia> trivia)
        {
            foreach (var directive in trivia.Where(t => t.IsDirective)) text.Append("\u0001#").Append(directive.ToString());
        }

        private static bool IsBody(SyntaxNode node) =>
            node.Parent is BaseMethodDeclarationSyntax method && (node == method.Body || node == method.ExpressionBody);
    }
}
