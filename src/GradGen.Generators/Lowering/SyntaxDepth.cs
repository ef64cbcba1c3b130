using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace GradGen.Generators.Lowering;

/// <summary>
/// How deep a method's syntax is, measured before anything binds it. Roslyn's <c>SemanticModel.GetOperation</c> recurses
/// once (or more) per nesting level and does not guard its stack everywhere: on a 1 MiB thread (an IDE's) it overflowed —
/// an uncatchable crash of the whole process — at a syntax depth of about 635 nested blocks, 690 (345 nested ifs),
/// 650 (130 nested lambdas), 970 (480 nested ?:), the same in Roslyn 4.8 and 5.12. So Lower measures the depth first,
/// iteratively and without binding, and rejects deeper methods before asking Roslyn for their operations. The verdict
/// depends on the syntax alone, so the generator and the analyzer reach it whatever their threads' stacks.
/// </summary>
internal static class SyntaxDepth
{
    /// <summary>The deepest syntax (nodes below the method's body) Lower binds: half of the smallest depth measured to overflow 1 MiB.</summary>
    public const int Limit = 300;

    /// <summary>The first node found deeper than <paramref name="limit"/> levels below <paramref name="root"/>, or null.</summary>
    public static SyntaxNode? FirstBeyond(SyntaxNode root, int limit, CancellationToken cancellationToken)
    {
        var pending = new Stack<(SyntaxNode Node, int Depth)>();
        pending.Push((root, 0));
        var visited = 0;
        while (pending.Count > 0)
        {
            if ((++visited & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            var (node, depth) = pending.Pop();
            if (depth > limit) return node;
            foreach (var child in node.ChildNodes()) pending.Push((child, depth + 1));
        }
        return null;
    }
}
