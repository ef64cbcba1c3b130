using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace GradGen.Generators.Lowering;

/// <summary>The bodies of the methods of one compilation, each lowered once, and the questions about the calls between them.</summary>
internal sealed class CallGraph
{
    private readonly Compilation _compilation;
    private readonly Dictionary<IMethodSymbol, LoweredBody> _bodies = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<IMethodSymbol, LoweringResult> _results = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<IMethodSymbol, Location?> _problems = new(SymbolEqualityComparer.Default);
    private readonly HashSet<IMethodSymbol> _visiting = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<SyntaxTree, List<TextSpan>> _declarationErrors = new();

    public CallGraph(Compilation compilation) => _compilation = compilation;

    /// <summary>The method's lowering: its own body's, plus what its calls make of it.</summary>
    public LoweringResult Result(IMethodSymbol method, CancellationToken cancellationToken)
    {
        if (_results.TryGetValue(method, out var known)) return known;
        var body = Body(method, cancellationToken);
        var rejections = new List<Rejection>(body.Rejections);
        foreach (var (callee, call) in body.Calls)
        {
            if (PathTo(callee, method, cancellationToken) is { } cycle)
            {
                rejections.Add(new Rejection(RejectionKind.Recursion, call, new[] { RejectionText.Cycle(cycle.Select(m => m.Name)) }));
            }
            else if (FirstProblem(callee, cancellationToken) is { } problem)
            {
                rejections.Add(new Rejection(RejectionKind.CalleeNotDifferentiable, call, new[] { callee.Name }, problem));
            }
        }
        var result = rejections.Count > 0
            ? new LoweringResult(null, rejections.ToImmutableArray())
            : new LoweringResult(body.Model, ImmutableArray<Rejection>.Empty);
        _results[method] = result;
        return result;
    }

    /// <summary>
    /// The method's own body, lowered once per compilation — or not at all when an earlier compilation lowered the same
    /// text against the same declarations (<see cref="BodyCache"/>). Its calls are recorded, not followed.
    /// </summary>
    private LoweredBody Body(IMethodSymbol method, CancellationToken cancellationToken)
    {
        if (_bodies.TryGetValue(method, out var known)) return known;
        var start = GeneratorTrace.Start();
        var key = BodyCache.KeyOf(method, _compilation, cancellationToken);
        var body = key is null ? null : BodyCache.Find(key, _compilation);
        if (body is null)
        {
            body = Lower(method, cancellationToken);
            if (key is not null) BodyCache.Add(key, body);
            GeneratorTrace.Log("body.lowered", start, _compilation, method.Name);
        }
        else
        {
            GeneratorTrace.Log("body.reused", start, _compilation, method.Name);
            if (BodyCache.CheckHits) BodyCache.Check(method, body, Lower(method, cancellationToken));
        }
        _bodies[method] = body; // only complete bodies are kept: a cancelled one is lowered again next time
        return body;
    }

    private LoweredBody Lower(IMethodSymbol method, CancellationToken cancellationToken)
    {
        var lowerer = new Lowerer(method, _compilation, this, cancellationToken);
        try
        {
            lowerer.Run();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug or an unexpected tree shape must never take down the compiler or the IDE: report it as unsupported.
            lowerer.Reject(RejectionKind.UnsupportedConstruct, method.Locations.FirstOrDefault() ?? Location.None, RejectionText.CouldNotAnalyse(e));
        }
        return lowerer.Finish();
    }

    /// <summary>
    /// The spans of the declaration errors (errors in signatures and type headers, not in bodies) of a tree, computed once
    /// per tree: asking Roslyn per method span costs a pass over the type's members each time (quadratic in a big type).
    /// </summary>
    public List<TextSpan> DeclarationErrors(SyntaxTree tree, CancellationToken cancellationToken)
    {
        if (_declarationErrors.TryGetValue(tree, out var known)) return known;
        var spans = _compilation.GetSemanticModel(tree).GetDeclarationDiagnostics(null, cancellationToken)
            .Where(d => d.DefaultSeverity == DiagnosticSeverity.Error && d.Location.SourceTree == tree)
            .Select(d => d.Location.SourceSpan)
            .ToList();
        _declarationErrors[tree] = spans; // only complete answers are kept: a cancelled one is asked again
        return spans;
    }

    /// <summary>The shortest chain of calls from <paramref name="from"/> to <paramref name="to"/> (both included), or null.</summary>
    private List<IMethodSymbol>? PathTo(IMethodSymbol from, IMethodSymbol to, CancellationToken cancellationToken)
    {
        var previous = new Dictionary<IMethodSymbol, IMethodSymbol?>(SymbolEqualityComparer.Default) { [from] = null };
        var queue = new Queue<IMethodSymbol>();
        queue.Enqueue(from);
        while (queue.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = queue.Dequeue();
            if (SymbolEqualityComparer.Default.Equals(current, to))
            {
                var path = new List<IMethodSymbol>();
                for (IMethodSymbol? step = current; step is not null; step = previous[step]) path.Insert(0, step);
                return path;
            }
            foreach (var (callee, _) in Body(current, cancellationToken).Calls)
            {
                if (previous.ContainsKey(callee)) continue;
                previous[callee] = current;
                queue.Enqueue(callee);
            }
        }
        return null;
    }

    /// <summary>
    /// Where chaining into <paramref name="method"/> fails — its first rejection, or a call that closes a cycle, in it or
    /// anything it calls — or null when its backward can be chained.
    /// </summary>
    private Location? FirstProblem(IMethodSymbol method, CancellationToken cancellationToken)
    {
        try
        {
            return Problem(method, cancellationToken);
        }
        finally
        {
            _visiting.Clear(); // also after a cancellation, so the next question starts clean
        }
    }

    /// <summary>Depth-first over the calls with an explicit stack: a chain of thousands of methods must not overflow the IDE's stack.</summary>
    private Location? Problem(IMethodSymbol root, CancellationToken cancellationToken)
    {
        if (_problems.TryGetValue(root, out var known)) return known;
        var frames = new Stack<Frame>();
        frames.Push(Enter(root, cancellationToken));
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var frame = frames.Peek();
            if (frame.Problem is null && frame.Next < frame.Body.Calls.Count)
            {
                var (callee, call) = frame.Body.Calls[frame.Next++];
                if (_visiting.Contains(callee)) frame.Problem = call; // a cycle
                else if (_problems.TryGetValue(callee, out var calleeProblem)) frame.Problem = calleeProblem;
                else frames.Push(Enter(callee, cancellationToken));
                continue;
            }
            frames.Pop();
            _visiting.Remove(frame.Method);
            _problems[frame.Method] = frame.Problem;
            if (frames.Count == 0) return frame.Problem;
            frames.Peek().Problem ??= frame.Problem;
        }
    }

    private Frame Enter(IMethodSymbol method, CancellationToken cancellationToken)
    {
        _visiting.Add(method);
        var body = Body(method, cancellationToken);
        return new Frame(method, body) { Problem = body.Rejections.Count > 0 ? body.Rejections[0].Location : null };
    }

    private sealed class Frame
    {
        public Frame(IMethodSymbol method, LoweredBody body)
        {
            Method = method;
            Body = body;
        }

        public IMethodSymbol Method { get; }

        public LoweredBody Body { get; }

        public int Next { get; set; }

        public Location? Problem { get; set; }
    }
}
