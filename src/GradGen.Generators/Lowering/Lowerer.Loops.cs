using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the loops: <c>for (int i = lo; i &lt; hi; i++)</c> and <c>foreach</c> over an array become a structured
/// <see cref="OpKind.For"/> region whose carried values are the outer locals the body assigns.
/// </summary>
internal sealed partial class Lowerer
{
    private void LowerFor(IForLoopOperation loop, int depth)
    {
        if (!CountedLoop(loop, out var index, out var lo, out var hi))
        {
            Reject(RejectionKind.UnsupportedConstruct, loop.Syntax, RejectionText.LoopForm);
            return;
        }
        var written = Writes(loop.Body);
        if (written.Contains(index))
        {
            Reject(RejectionKind.UnsupportedConstruct, loop.Syntax, RejectionText.LoopIndexAssigned(index.Name));
            return;
        }
        var loId = Expression(lo, 0);
        if (!CheckBound(loId, lo)) return;
        // C# tests `i < hi` before every iteration: a bound that reads a local the body assigns (or the shape of a tensor
        // it reassigns) is tested again in every iteration of the generated forward too.
        if (Reads(hi).Any(symbol => written.Any(local => SymbolEqualityComparer.Default.Equals(local, symbol))))
        {
            LowerLoop(loop.Body, loop.Syntax, index, loId, loId, element: null, depth, top: loop.Condition, bottom: null);
            return;
        }
        var hiId = Expression(hi, 0);
        if (!CheckBound(hiId, hi)) return;
        LowerLoop(loop.Body, loop.Syntax, index, loId, hiId, element: null, depth);
    }

    /// <summary>
    /// <c>while (c) body</c> and <c>do body while (c)</c>: a loop whose index is GradGen's own (from 0), tested at the top
    /// (while) or at the end of every iteration (do). The condition is passive; a comparison of differentiated values is
    /// one (the gradient flows through the iterations that ran, as through the branch taken of an if).
    /// </summary>
    private void LowerWhile(IWhileLoopOperation loop, int depth)
    {
        if (loop.Condition is null || loop.ConditionIsUntil || loop.IgnoredCondition is not null)
        {
            Reject(RejectionKind.UnsupportedConstruct, loop.Syntax, RejectionText.LoopForm);
            return;
        }
        var zero = Add(new Builder { Op = OpKind.Constant, Type = PassiveInt, Constant = "0", Name = "0" });
        if (loop.ConditionIsTop) LowerLoop(loop.Body, loop.Syntax, index: null, zero, zero, element: null, depth, top: loop.Condition, bottom: null);
        else LowerLoop(loop.Body, loop.Syntax, index: null, zero, zero, element: null, depth, top: null, bottom: loop.Condition);
    }

    private void LowerForEach(IForEachLoopOperation loop, int depth)
    {
        var collection = loop.Collection is IConversionOperation { Conversion.IsImplicit: true } conversion ? conversion.Operand : loop.Collection;
        var isList = Symbols.ListElement(collection.Type) is not null;
        if (collection.Type is not IArrayTypeSymbol { Rank: 1 } && !isList || loop.LoopControlVariable is not IVariableDeclaratorOperation { Symbol: { } variable })
        {
            Reject(RejectionKind.UnsupportedConstruct, loop.Syntax, RejectionText.ForEachForm);
            return;
        }
        var array = Expression(collection, 0);
        if (array < 0) return;
        var zero = Add(new Builder { Op = OpKind.Constant, Type = PassiveInt, Constant = "0", Name = "0" });
        var length = Add(new Builder { Op = OpKind.Passive, Operands = new[] { array }, Type = PassiveInt, Template = isList ? "{0}.Count" : "{0}.Length" });
        LowerLoop(loop.Body, loop.Syntax, index: null, zero, length, element: (variable, array), depth);
    }

    private static readonly IrType PassiveInt = new(ValueKind.Passive, ElementType.Double, "int");

    private static readonly IrType PassiveBool = new(ValueKind.Passive, ElementType.Double, "bool");

    /// <summary>
    /// The region of a loop: its index, one carried value per outer local the body assigns, the test of <paramref name="top"/>
    /// (stop when false), the body, and a yield of the carried values; after it, the locals take the loop's results. A
    /// <c>break</c> or <c>continue</c> in the body, and a do-loop's condition <paramref name="bottom"/>, make the loop's exit
    /// value (see <see cref="LowerIteration"/>). A loop with a test has <c>hi</c> = <c>lo</c> (see <see cref="OpKind.For"/>).
    /// </summary>
    private void LowerLoop(IOperation body, SyntaxNode syntax, ILocalSymbol? index, int lo, int hi, (ILocalSymbol Variable, int Array)? element, int depth,
        IOperation? top = null, IOperation? bottom = null)
    {
        var carried = Writes(body).Where(local => _locals.ContainsKey(local)).ToList();
        foreach (var local in carried)
        {
            if (_instructions[_locals[local]].Type.Kind == ValueKind.Container)
            {
                Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.ContainerCarried(local.Name));
                return;
            }
        }
        var operands = new List<int> { lo, hi };
        operands.AddRange(carried.Select(local => _locals[local]));
        var loop = Add(new Builder { Op = OpKind.For, Operands = operands.ToArray(), Type = PassiveInt });
        var outer = _region;
        _region = loop;
        var indexId = Add(new Builder { Op = OpKind.LoopIndex, Type = PassiveInt });
        if (index is not null) Bind(index, indexId);
        else _instructions[indexId].Name = FreshIndexName();
        for (var k = 0; k < carried.Count; k++)
        {
            var initial = _instructions[_locals[carried[k]]];
            Bind(carried[k], Add(new Builder { Op = OpKind.Carried, Type = initial.Type, Index = k }));
        }
        if (element is { } e)
        {
            var type = _instructions[e.Array].Type;
            // Not the `var` local's maybe-null annotation: the element is the array's (a generated call on it must not warn).
            var elementType = Symbols.Classify(e.Variable.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated));
            Bind(e.Variable, Add(new Builder { Op = type.Kind == ValueKind.Container ? OpKind.Element : OpKind.Passive, Operands = new[] { e.Array, indexId }, Type = elementType, Template = "{0}[{1}]" }));
        }
        if (top is not null)
        {
            var condition = Condition(top, depth);
            if (condition < 0) return;
            _instructions[loop].Condition = condition;
        }
        else if (bottom is not null)
        {
            _instructions[loop].Condition = BoolConstant(true); // a do-loop has no bound: only its exit stops it
        }

        var exit = LowerIteration(body, bottom, depth + 1);
        if (exit == Rejected || carried.Any(local => _locals[local] < 0)) return; // a rejection was reported inside the body
        if (exit >= 0) _instructions[loop].Exit = exit;
        Add(new Builder { Op = OpKind.Yield, Operands = carried.Select(local => _locals[local]).ToArray(), Type = PassiveInt, Name = "" });
        _region = outer;
        for (var k = 0; k < carried.Count; k++)
        {
            var type = _instructions[_locals[carried[k]]].Type;
            Bind(carried[k], Add(new Builder { Op = OpKind.LoopResult, Operands = new[] { loop }, Type = type, Index = k }));
        }
    }

    private const int Rejected = -2;

    /// <summary>
    /// One iteration's body; returns the loop's exit value (true when the loop stops after this iteration), -1 when it has
    /// none (no break, no do-condition), or <see cref="Rejected"/>. A <c>break</c> or <c>continue</c> is taken where it is
    /// a statement of the body or the whole then-part of an <c>if</c> in it: the statements after it become the else-region
    /// of a branch, and the branch yields whether the loop stops (true after a break; after a continue or the last
    /// statement, the negated do-condition, or false).
    /// </summary>
    private int LowerIteration(IOperation body, IOperation? bottom, int depth)
    {
        var statements = body is IBlockOperation block ? block.Operations.ToList() : new List<IOperation> { body };
        if (bottom is null && !statements.Any(s => Jump(s, out _, out _, out _)))
        {
            LowerStatement(body, depth);
            return -1;
        }
        return LowerRest(statements, 0, bottom, depth);
    }

    private int LowerRest(IReadOnlyList<IOperation> statements, int start, IOperation? bottom, int depth)
    {
        for (var k = start; k < statements.Count; k++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var statement = statements[k];
            if (!Jump(statement, out var condition, out var before, out var isBreak))
            {
                LowerStatement(statement, depth);
                continue;
            }
            if (condition is null) return isBreak ? BoolConstant(true) : EndOfIteration(bottom, depth);
            var test = Condition(condition, depth);
            if (test < 0) return Rejected;
            var rest = statements.Skip(k + 1).ToList();
            var assigned = rest.Concat(before).SelectMany(Writes).Concat(bottom is null ? Enumerable.Empty<ISymbol>() : Writes(bottom))
                .Distinct(SymbolEqualityComparer.Default).Cast<ISymbol>().Where(local => _locals.ContainsKey(local)).ToList();
            foreach (var local in assigned)
            {
                if (_instructions[_locals[local]].Type.Kind == ValueKind.Container)
                {
                    Reject(RejectionKind.UnsupportedConstruct, statement.Syntax, RejectionText.ContainerCarried(local.Name));
                    return Rejected;
                }
            }
            int[] Arm(int exit) => assigned.Select(local => _locals[local]).Append(exit == Rejected ? -1 : exit).ToArray();
            var results = Branch(test, statement.Syntax,
                () =>
                {
                    foreach (var first in before) LowerStatement(first, depth + 1);
                    return Arm(isBreak ? BoolConstant(true) : EndOfIteration(bottom, depth));
                },
                () => Arm(LowerRest(rest, 0, bottom, depth)),
                assigned.Select(local => _instructions[_locals[local]].Type).Append(PassiveBool).ToArray());
            if (results is null) return Rejected;
            for (var a = 0; a < assigned.Count; a++) Bind(assigned[a], results[a]);
            return results[assigned.Count];
        }
        return EndOfIteration(bottom, depth);
    }

    /// <summary>Whether the loop stops at the end of an iteration that was not broken: a do-loop's <c>!c</c>, otherwise false.</summary>
    private int EndOfIteration(IOperation? bottom, int depth)
    {
        if (bottom is null) return BoolConstant(false);
        var condition = Condition(bottom, depth);
        if (condition < 0) return Rejected;
        return Add(new Builder { Op = OpKind.Passive, Operands = new[] { condition }, Type = PassiveBool, Template = "!({0})" });
    }

    private int BoolConstant(bool value)
    {
        var text = value ? "true" : "false";
        return Add(new Builder { Op = OpKind.Constant, Type = PassiveBool, Constant = text, Name = text });
    }

    /// <summary>
    /// A <c>break</c> or <c>continue</c> of the loop being lowered, as a statement (<paramref name="condition"/> null) or as
    /// <c>if (condition) break;</c>, also <c>if (condition) { statements…; break; }</c> (no else; the statements before the
    /// jump are <paramref name="before"/>).
    /// </summary>
    private static bool Jump(IOperation statement, out IOperation? condition, out IReadOnlyList<IOperation> before, out bool isBreak)
    {
        condition = null;
        before = System.Array.Empty<IOperation>();
        isBreak = false;
        var jump = statement;
        if (statement is IConditionalOperation { WhenFalse: null, IsRef: false } branch)
        {
            jump = branch.WhenTrue;
            if (branch.WhenTrue is IBlockOperation { Operations.Length: > 0 } block)
            {
                jump = block.Operations[block.Operations.Length - 1];
                before = block.Operations.Take(block.Operations.Length - 1).ToList();
                if (before.Any(o => o.DescendantsAndSelf().Any(d => d is IBranchOperation))) return false;
            }
            condition = branch.Condition;
        }
        if (jump is not IBranchOperation { BranchKind: BranchKind.Break or BranchKind.Continue } branchOperation) return false;
        isBreak = branchOperation.BranchKind == BranchKind.Break;
        return true;
    }

    /// <summary>The locals and parameters an operation reads.</summary>
    private static List<ISymbol> Reads(IOperation operation) =>
        operation.DescendantsAndSelf().Select(o => o switch
        {
            ILocalReferenceOperation local => (ISymbol)local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        }).Where(symbol => symbol is not null).Cast<ISymbol>().ToList();

    /// <summary>Recognises <c>for (int i = lo; i &lt; hi; i++)</c> (also <c>++i</c>, <c>i += 1</c>).</summary>
    private static bool CountedLoop(IForLoopOperation loop, out ILocalSymbol index, out IOperation lo, out IOperation hi)
    {
        index = null!;
        lo = null!;
        hi = null!;
        if (loop.Before.Length != 1 || loop.Before[0] is not IVariableDeclarationGroupOperation { Declarations.Length: 1 } group
            || group.Declarations[0] is not { Declarators.Length: 1 } declaration || declaration.Declarators[0] is not { Symbol: { } variable } declarator) return false;
        if ((declarator.Initializer?.Value ?? declaration.Initializer?.Value) is not { } initial || variable.Type.SpecialType != SpecialType.System_Int32) return false;
        if (loop.Condition is not IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan, LeftOperand: ILocalReferenceOperation left } condition
            || !SymbolEqualityComparer.Default.Equals(left.Local, variable)) return false;
        var step = loop.AtLoopBottom.Length == 1 && loop.AtLoopBottom[0] is IExpressionStatementOperation { Operation: var operation } ? operation : null;
        var increments = step switch
        {
            IIncrementOrDecrementOperation { Kind: OperationKind.Increment, Target: ILocalReferenceOperation target } => SymbolEqualityComparer.Default.Equals(target.Local, variable),
            ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, Target: ILocalReferenceOperation target, Value.ConstantValue: { HasValue: true, Value: 1 } } => SymbolEqualityComparer.Default.Equals(target.Local, variable),
            _ => false,
        };
        if (!increments) return false;
        index = variable;
        lo = initial;
        hi = condition.RightOperand;
        return true;
    }

    /// <summary>A loop bound must be an integer computed before the loop, not a differentiated value.</summary>
    private bool CheckBound(int id, IOperation bound)
    {
        if (id < 0) return false;
        if (_instructions[id].Type.Kind == ValueKind.Passive) return true;
        Reject(RejectionKind.NonDifferentiableOperation, bound.Syntax, RejectionText.DifferentiatedLoopBound(bound.Syntax));
        return false;
    }

    /// <summary>The locals and parameters an operation assigns (simple, compound, increments), in order of first appearance.</summary>
    private static List<ISymbol> Writes(IOperation operation)
    {
        var written = new List<ISymbol>();
        var stack = new Stack<IOperation>();
        stack.Push(operation);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            var target = current switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                _ => null,
            };
            ISymbol? symbol = target switch
            {
                ILocalReferenceOperation local => local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };
            if (symbol is not null && !written.Contains(symbol, SymbolEqualityComparer.Default)) written.Add(symbol);
            foreach (var child in current.ChildOperations.Reverse()) stack.Push(child);
        }
        return written;
    }

    private string FreshIndexName()
    {
        foreach (var candidate in new[] { "i", "j", "k", "n" })
        {
            if (!_reserved.Contains(candidate) && !_instructions.Any(b => b.Name == candidate))
            {
                _reserved.Add(candidate);
                return candidate;
            }
        }
        for (var i = 0; ; i++)
        {
            var candidate = "i" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!_reserved.Contains(candidate) && !_instructions.Any(b => b.Name == candidate))
            {
                _reserved.Add(candidate);
                return candidate;
            }
        }
    }
}
