using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the returns: a method with several returns becomes one with a single exit. An <c>if</c> that returns on some
/// path takes the rest of the method into its regions — after its then-statement in one, after its else-statement in
/// the other — and the value each region returns is merged (<see cref="Model.OpKind.IfResult"/>): the method's result.
/// <c>if (n == 0) return 0; …; return loss;</c> becomes <c>if (n == 0) { result = 0 } else { …; result = loss }</c>,
/// which the branch machinery differentiates like any other. Code after a return on the same path is never reached and
/// is not lowered (the compiler warns about it).
/// </summary>
/// <remarks>
/// Where both regions of such an <c>if</c> can reach the rest (<c>if (a) { if (b) return x; }</c>), the rest is lowered
/// on both paths: its instructions appear twice. <see cref="MaxReturnNesting"/> bounds how deep the rest may nest, and
/// <see cref="PathBudget"/> how often statements may be copied, so a chain of such ifs cannot make the generated code
/// (or the time to lower it) explode. A return inside a loop is rejected at the return (<see cref="LowerStatement"/>).
/// </remarks>
internal sealed partial class Lowerer
{
    /// <summary>How many early-returning ifs may nest on one path (each nests the rest of the method one level deeper in the generated code).</summary>
    public const int MaxReturnNesting = 64;

    /// <summary>Lowered statements per statement of the method, at most: what copying the rest onto several paths may cost.</summary>
    public const int PathBudget = 8;

    /// <summary>The early-returning ifs whose regions are being lowered, outermost first.</summary>
    private readonly List<IConditionalOperation> _returningIfs = new();
    private int _pathStatements;
    private int _pathLimit;

    /// <summary>The statements still to lower on a path: a block's statements from <see cref="Next"/> on, then those after the blocks around it.</summary>
    private sealed class Rest
    {
        public Rest(IReadOnlyList<IOperation> statements, int next, int depth, Rest? outer)
        {
            Statements = statements;
            Next = next;
            Depth = depth;
            Outer = outer;
        }

        public IReadOnlyList<IOperation> Statements { get; }

        public int Next { get; }

        public int Depth { get; }

        public Rest? Outer { get; }
    }

    /// <summary>Lowers the method's body: every path up to its return. Sets the result (-1 after a rejection).</summary>
    private void LowerBody(IBlockOperation body, Location location)
    {
        _pathLimit = PathBudget * (body.Syntax.DescendantNodesAndSelf().OfType<StatementSyntax>().Count() + 1);
        _result = LowerPath(new Rest(body.Operations, 0, 0, null), location);
    }

    /// <summary>Lowers the statements of one path until its return; the returned value, or -1 after a rejection.</summary>
    private int LowerPath(Rest? rest, Location location)
    {
        while (true)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            while (rest is not null && rest.Next >= rest.Statements.Count) rest = rest.Outer;
            if (rest is null)
            {
                // Only reached when the compiler already reports a missing return (CS0161).
                if (_rejections.Count == 0) Reject(RejectionKind.UnsupportedConstruct, location, RejectionText.NoReturn);
                return -1;
            }
            var statement = rest.Statements[rest.Next];
            var depth = rest.Depth;
            rest = new Rest(rest.Statements, rest.Next + 1, depth, rest.Outer);
            if (++_pathStatements > _pathLimit)
            {
                // Reported at the outermost early-returning if on the path: the first of the chain that copies the rest.
                Reject(RejectionKind.UnsupportedConstruct, (_returningIfs.Count > 0 ? _returningIfs[0] : statement).Syntax, RejectionText.TooManyReturnPaths);
                return -1;
            }
            switch (statement)
            {
                case IBlockOperation block:
                    if (depth + 1 > MaxDepth)
                    {
                        Reject(RejectionKind.UnsupportedConstruct, block.Syntax, RejectionText.BlocksTooDeep(MaxDepth));
                        return -1;
                    }
                    rest = new Rest(block.Operations, 0, depth + 1, rest);
                    break;
                case IReturnOperation { ReturnedValue: { } value }:
                    return Expression(value, 0);
                case IConditionalOperation { IsRef: false } branch when ContainsReturn(branch):
                    return ReturningIf(branch, depth, rest, location);
                default:
                    LowerStatement(statement, depth);
                    break;
            }
        }
    }

    /// <summary>
    /// An <c>if</c> that returns on some path: each region lowers its statement and then the rest of the method, and
    /// returns; the merged value is what the method returns.
    /// </summary>
    private int ReturningIf(IConditionalOperation statement, int depth, Rest rest, Location location)
    {
        var condition = Condition(statement.Condition, depth);
        if (condition < 0) return -1;
        if (_returningIfs.Count >= MaxReturnNesting)
        {
            Reject(RejectionKind.UnsupportedConstruct, statement.Syntax, RejectionText.ReturnsNestedTooDeep(MaxReturnNesting));
            return -1;
        }
        _returningIfs.Add(statement);
        var whenFalse = statement.WhenFalse;
        var results = Branch(condition, statement.Syntax,
            () => new[] { LowerPath(new Rest(new[] { statement.WhenTrue }, 0, depth + 1, rest), location) },
            () => new[] { LowerPath(whenFalse is null ? rest : new Rest(new[] { whenFalse }, 0, depth + 1, rest), location) },
            new[] { Symbols.Classify(_method.ReturnType) });
        _returningIfs.RemoveAt(_returningIfs.Count - 1);
        if (results is null) return -1;
        _instructions[results[0]].Numbered = "result"; // what this if returns: result_1, … (the method's own result is "result")
        return results[0];
    }

    /// <summary>True when a statement holds a return (not one of a lambda or local function in it).</summary>
    private static bool ContainsReturn(IOperation statement)
    {
        var pending = new Stack<IOperation>();
        pending.Push(statement);
        while (pending.Count > 0)
        {
            var operation = pending.Pop();
            if (operation is IReturnOperation) return true;
            if (operation is IAnonymousFunctionOperation or ILocalFunctionOperation) continue;
            foreach (var child in operation.ChildOperations) pending.Push(child);
        }
        return false;
    }
}
