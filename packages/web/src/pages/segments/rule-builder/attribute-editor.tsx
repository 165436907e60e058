import { customerFields } from '../rule-model.ts';
import { type EditorProps, useBuilder } from './builder-context.ts';
import { ConditionEditor } from './condition-editor.tsx';

/** A condition on a customer attribute. */
export const AttributeEditor = ({ rule, onChange, issue }: EditorProps<'attribute'>) => {
  const { schema } = useBuilder().context;
  const { type: _type, ...condition } = rule;
  return (
    <ConditionEditor
      condition={condition}
      fields={customerFields(schema)}
      issue={issue}
      onChange={(next) => onChange({ type: 'attribute', ...next })}
    />
  );
};
