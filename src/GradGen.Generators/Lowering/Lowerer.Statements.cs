using System;
using System.Linq;
using GradGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the statements: declarations, assignments, blocks, loops and branches. The returns are
/// <c>Lowerer.Returns.cs</c>'s: it walks the method's paths and hands every other statement to <see cref="LowerStatement"/>.
/// </summary>
internal sealed partial class Lowerer
{
    private void LowerBlock(IBlockOperation block, int depth)
    {
        if (depth > MaxDepth)
        {
            Reject(RejectionKind.UnsupportedConstruct, block.Syntax, RejectionText.BlocksTooDeep(MaxDepth));
            return;
        }
        foreach (var statement in block.Operations)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            LowerStatement(statement, depth);
        }
    }

    private void LowerStatement(IOperation statement, int depth)
    {
        switch (statement)
        {
            case IVariableDeclarationGroupOperation group:
                foreach (var declaration in group.Declarations)
                {
                    foreach (var declarator in declaration.Declarators)
                    {
                        var initializer = declarator.Initializer?.Value ?? declaration.Initializer?.Value;
                        if (initializer is null)
                        {
                            Reject(RejectionKind.UnsupportedConstruct, declarator.Syntax, RejectionText.LocalWithoutInitializer);
                            continue;
                        }
                        Bind(declarator.Symbol, Expression(initializer, 0));
                    }
                }
                break;
            case IExpressionStatementOperation { Operation: ISimpleAssignmentOperation assignment } when TryStore(assignment):
                break;
            case IExpressionStatementOperation { Operation: ISimpleAssignmentOperation assignment }:
                if (CheckAssignmentTarget(assignment.Target, assignment.Syntax) is { } local) Bind(local, Expression(assignment.Value, 0));
                break;
            case IExpressionStatementOperation { Operation: ICompoundAssignmentOperation compound }:
                LowerCompoundAssignment(compound);
                break;
            case IExpressionStatementOperation { Operation: IIncrementOrDecrementOperation { Target: ILocalReferenceOperation counter } increment } when IsPassive(counter) && IsPlainValueType(counter.Type):
                // k++ on an integer local: k = k + 1 (a new passive value, like any reassignment).
                Bind(counter.Local, PassiveOf(increment.Syntax, Symbols.Classify(counter.Type), Checked(increment.IsChecked, "{0} " + (increment.Kind == OperationKind.Increment ? "+" : "-") + " 1"), Expression(counter, 0)));
                break;
            case IExpressionStatementOperation { Operation: IIncrementOrDecrementOperation increment }:
                Reject(RejectionKind.Mutation, increment.Syntax, increment.Syntax.ToString(), RejectionText.DescribeTarget(increment.Target));
                break;
            case IReturnOperation:
                // The paths of the method take their returns (Lowerer.Returns.cs); what is left is a return inside a loop.
                Reject(RejectionKind.UnsupportedConstruct, statement.Syntax, RejectionText.ReturnInLoop);
                break;
            case IBlockOperation nested:
                LowerBlock(nested, depth + 1);
                break;
            case IForLoopOperation loop:
                LowerFor(loop, depth);
                break;
            case IForEachLoopOperation loop:
                LowerForEach(loop, depth);
                break;
            case IWhileLoopOperation loop:
                LowerWhile(loop, depth);
                break;
            case IBranchOperation { BranchKind: BranchKind.Break or BranchKind.Continue } jump:
                Reject(RejectionKind.UnsupportedConstruct, jump.Syntax, RejectionText.JumpForm(jump.Syntax.ToString().TrimEnd(';')));
                break;
            case IConditionalOperation { IsRef: false } branch:
                LowerIf(branch, depth);
                break;
            case IEmptyOperation:
                break;
            case IInvalidOperation:
                Reject(RejectionKind.DoesNotCompile, statement.Syntax);
                break;
            default:
                Reject(RejectionKind.UnsupportedConstruct, statement.Syntax, RejectionText.Describe(statement));
                break;
        }
    }

    private void LowerCompoundAssignment(ICompoundAssignmentOperation compound)
    {
        if (compound.OperatorMethod is { } method && method.Name.EndsWith("Assignment", StringComparison.Ordinal))
        {
            // C# 14 user-defined compound assignment (Tensor's +=) writes into the tensor it is applied to. When that tensor
            // is this method's own — computed here, held by this local alone, no view of it taken — nothing else can see
            // the write, and `h += b` is `h = h + b`.
            ISymbol? target = compound.Target switch
            {
                ILocalReferenceOperation localTarget => localTarget.Local,
                IParameterReferenceOperation { Parameter.RefKind: RefKind.None } parameter when SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, _method) => parameter.Parameter,
                _ => null,
            };
            if (target is not null && _locals.TryGetValue(target, out var current) && Owned(current, target)
                && OpCatalog.ForBinary(compound.OperatorKind, null) is { } inPlace)
            {
                // The in-place operator takes its operand as a ReadOnlyTensorSpan (or a scalar): the tensor before that conversion.
                var value = Expression(compound.Value is IConversionOperation { IsImplicit: true } span ? span.Operand : compound.Value, 0);
                var id = Append(inPlace, compound.Syntax, compound.Target.Type, current, value);
                if (id >= 0) _instructions[id].TensorOperator = true;
                Bind(target, id);
                return;
            }
            var rewritten = compound.Syntax is AssignmentExpressionSyntax assignment
                ? compound.Target.Syntax + " = " + compound.Target.Syntax + " " + assignment.OperatorToken.Text.TrimEnd('=') + " " + assignment.Right
                : compound.Target.Syntax + " = …";
            Reject(RejectionKind.Mutation, compound.Syntax, compound.Syntax.ToString(), RejectionText.InPlace(compound.Target, rewritten));
            return;
        }
        if (CheckAssignmentTarget(compound.Target, compound.Syntax) is not { } local) return;
        if (compound.OperatorMethod is null && IsPassive(compound.Target) && IsPassive(compound.Value) && compound.Syntax is AssignmentExpressionSyntax passiveSyntax)
        {
            // k += 2 on an integer local: k = k + 2 (C# casts the result back to k's type).
            var type = Symbols.Classify(compound.Type);
            var symbol = passiveSyntax.OperatorToken.Text.TrimEnd('=');
            Bind(local, PassiveOf(compound.Syntax, type, Checked(compound.IsChecked, "(" + type.TypeName + ")({0} " + symbol + " {1})"), Expression(compound.Target, 0), Expression(compound.Value, 0)));
            return;
        }
        var op = compound.OperatorMethod is { } tensorOperator
            ? (Symbols.IsTensorStaticMember(tensorOperator) ? OpCatalog.ForBinary(compound.OperatorKind, tensorOperator.Name) : null)
            : OpCatalog.ForBinary(compound.OperatorKind, null);
        if (op is null)
        {
            RejectOperator(compound.Syntax, compound.OperatorKind, compound.Target, compound.Value);
            return;
        }
        var left = Expression(compound.Target, 0);
        var right = Expression(compound.Value, 0);
        Bind(local, MarkOperator(Append(op.Value, compound.Syntax, compound.Type, left, right), compound.OperatorMethod));
    }

    /// <summary>
    /// True when the tensor <paramref name="id"/> is this method's own, held by <paramref name="holder"/> alone: the result
    /// of an op that allocates it (not a parameter, member, element, call result, loop- or branch-carried value, or a view
    /// op), no other local or parameter bound to it, and no view of it taken.
    /// </summary>
    private bool Owned(int id, ISymbol holder)
    {
        var instruction = _instructions[id];
        if (instruction.Type.Kind != Model.ValueKind.Tensor || IsAlias(instruction.Op)) return false;
        if (_locals.Any(pair => pair.Value == id && !SymbolEqualityComparer.Default.Equals(pair.Key, holder))) return false;
        return !_instructions.Any(other => IsAlias(other.Op) && Array.IndexOf(other.Operands, id) >= 0);
    }

    private static bool IsAlias(Model.OpKind op) => op is Model.OpKind.Parameter or Model.OpKind.This or Model.OpKind.Member or Model.OpKind.Element
        or Model.OpKind.Carried or Model.OpKind.LoopResult or Model.OpKind.IfResult or Model.OpKind.Call or Model.OpKind.Passive or Model.OpKind.Constant
        or Model.OpKind.Reshape or Model.OpKind.Transpose or Model.OpKind.TransposeAxes or Model.OpKind.Permute or Model.OpKind.Slice
        or Model.OpKind.Pack or Model.OpKind.Store;

    private ISymbol? CheckAssignmentTarget(IOperation target, SyntaxNode syntax)
    {
        if (target is ILocalReferenceOperation local) return local.Local;
        // Reassigning a by-value parameter rebinds it; the caller's value (a tensor included) is untouched.
        if (target is IParameterReferenceOperation { Parameter: { RefKind: RefKind.None } parameter } && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _method)) return parameter;
        if (target is IParameterReferenceOperation or IArrayElementReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: true } or IFieldReferenceOperation)
        {
            Reject(RejectionKind.Mutation, syntax, syntax.ToString(), RejectionText.DescribeTarget(target));
        }
        else
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.AssignmentTo(target.Syntax));
        }
        return null;
    }
}
