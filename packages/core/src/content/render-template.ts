import { Liquid, type Template, type Variable } from 'liquidjs';
import { issueKindOf } from '../api/errors.ts';
import { closestName } from '../closest-name.ts';
import { err, ok, type Result } from '../result.ts';
import { formatPath, type SchemaIssue } from '../workspace/workspace-schema.ts';
import { ContentTemplate, chooseLocale, type WebhookContent } from './content-template.ts';
import { type SmsEncoding, smsEncoding } from './sms-encoding.ts';
import { TEMPLATE_ROOTS, type TemplateContext, UNSUBSCRIBE_URL_PLACEHOLDER } from './template-variables.ts';

/**
 * Liquid, strictly: every variable a template names is checked when it is saved, so a render
 * can only fail on a bug. Tags that read other files (`include`, `render`, `layout`) are not
 * available; templates are parsed from memory only. The `date` filter prints in UTC, so a date
 * such as `offer.validTo` prints as written whatever machine renders it.
 */

type JsonValue = WebhookContent['payload'];
type Path = readonly (string | number)[];

const UNAVAILABLE_TAGS = ['include', 'render', 'layout'] as const;

const createEngine = (escapeHtml: boolean): Liquid => {
  const options = {
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    templates: {},
    timezoneOffset: 0,
    locale: 'en-US',
    // Bounds on what one hostile template can make the process do.
    parseLimit: 1_000_000,
    memoryLimit: 10_000_000,
  };
  // HTML output is escaped unless a template says `| raw`: customer data cannot inject markup.
  const liquid = escapeHtml ? new Liquid({ ...options, outputEscape: 'escape' }) : new Liquid(options);
  for (const name of UNAVAILABLE_TAGS) {
    liquid.registerTag(name, {
      parse() {
        throw new Error(`the ${name} tag is not available in message templates`);
      },
      render() {},
    });
  }
  return liquid;
};

const plainEngine = createEngine(false);
const htmlEngine = createEngine(true);

/** One Liquid source inside a template, with where it is and how its output is escaped. */
interface TemplateField {
  readonly path: Path;
  readonly source: string;
  readonly html: boolean;
}

const jsonStrings = (value: JsonValue, path: Path): TemplateField[] => {
  if (typeof value === 'string') return [{ path, source: value, html: false }];
  if (Array.isArray(value)) return value.flatMap((item, index) => jsonStrings(item, [...path, index]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => jsonStrings(item, [...path, key]));
  }
  return [];
};

const fieldsOf = (template: ContentTemplate): TemplateField[] => {
  switch (template.type) {
    case 'sms':
      return Object.entries(template.locales).map(([locale, content]) => ({
        path: ['locales', locale, 'text'],
        source: content.text,
        html: false,
      }));
    case 'email':
      return Object.entries(template.locales).flatMap(([locale, content]) => [
        { path: ['locales', locale, 'subject'], source: content.subject, html: false },
        { path: ['locales', locale, 'html'], source: content.html, html: true },
        { path: ['locales', locale, 'text'], source: content.text, html: false },
      ]);
    case 'push':
      return Object.entries(template.locales).flatMap(([locale, content]) => [
        { path: ['locales', locale, 'title'], source: content.title, html: false },
        { path: ['locales', locale, 'body'], source: content.body, html: false },
      ]);
    case 'webhook':
      return Object.entries(template.locales).flatMap(([locale, content]) =>
        jsonStrings(content.payload, ['locales', locale, 'payload']),
      );
  }
};

const messageOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(
    /, line:(\d+), col:(\d+)$/,
    ' (line $1, column $2)',
  );

// ---------------------------------------------------------------------------------------------
// Parsed templates, kept by source: a campaign run renders the same few sources for every customer.

const PARSED_LIMIT = 1000;
const parsedSources = new Map<Liquid, Map<string, Template[]>>();

const parse = (engine: Liquid, source: string): Template[] => {
  let sources = parsedSources.get(engine);
  if (sources === undefined) {
    sources = new Map();
    parsedSources.set(engine, sources);
  }
  const cached = sources.get(source);
  if (cached !== undefined) return cached;
  const parsed = engine.parse(source);
  if (sources.size >= PARSED_LIMIT) sources.clear();
  sources.set(source, parsed);
  return parsed;
};

const engineFor = (field: { readonly html: boolean }): Liquid => (field.html ? htmlEngine : plainEngine);

// ---------------------------------------------------------------------------------------------
// Check at save time

export interface TemplateCheckOptions {
  /** The variables templates may name, e.g. `templateVariables(schema)`. */
  readonly variables: ReadonlySet<string>;
  /** Warn when an SMS would need more parts than this. */
  readonly maxSmsSegments?: number | undefined;
}

/** Not a failure: the template can be saved, but someone should look. */
export type TemplateWarning = {
  readonly type: 'sms_too_long';
  readonly path: string;
  readonly segments: number;
  readonly maxSegments: number;
  readonly message: string;
};

export type TemplateError = { readonly type: 'invalid_template'; readonly issues: readonly SchemaIssue[] };

export interface TemplateCheck {
  /** Every variable the template names, sorted: what a render's context must hold. */
  readonly variables: readonly string[];
  readonly warnings: readonly TemplateWarning[];
}

/** Properties Liquid gives every value: `{% if customer.email.size > 0 %}`. */
const BUILT_IN_PROPERTIES: ReadonlySet<string> = new Set(['size']);

const referenceName = (segments: readonly (string | number | Variable)[]): string =>
  segments.reduce<string>((name, segment) => {
    if (typeof segment === 'number') return `${name}[${segment}]`;
    if (typeof segment === 'string') return name === '' ? segment : `${name}.${segment}`;
    return `${name}[${segment.toString()}]`;
  }, '');

/** The variable a reference names (`customer.email.size` names `customer.email`), or why it is refused. */
const resolveReference = (reference: Variable, variables: ReadonlySet<string>): Result<string, string> => {
  const name = referenceName(reference.segments);
  const where = `at line ${reference.location.row}, column ${reference.location.col}`;
  if (reference.segments.some((segment) => typeof segment === 'object')) {
    return err(
      `"${name}" ${where} looks a field up by a computed name, which cannot be checked; name the field`,
    );
  }
  if (variables.has(name)) return ok(name);
  const last = reference.segments.at(-1);
  const base = referenceName(reference.segments.slice(0, -1));
  if (typeof last === 'string' && BUILT_IN_PROPERTIES.has(last) && variables.has(base)) return ok(base);
  const root = reference.segments[0];
  if (reference.segments.length === 1 && typeof root === 'string' && TEMPLATE_ROOTS.some((r) => r === root)) {
    const example = [...variables].find((variable) => variable.startsWith(`${root}.`));
    const hint = example === undefined ? '' : `, e.g. ${example}`;
    return err(`"${name}" ${where} is a group of fields; name one${hint}`);
  }
  const closest = closestName(name, variables);
  const hint = closest === undefined ? '' : ` (did you mean "${closest}"?)`;
  return err(`unknown variable "${name}" ${where}${hint}`);
};

/** Every known variable set to null: renders the fixed text of a template. */
const emptyContext = (variables: ReadonlySet<string>): Record<string, Record<string, null>> => {
  const context: Record<string, Record<string, null>> = {};
  for (const variable of variables) {
    const [root = '', ...rest] = variable.split('.');
    const group = context[root] ?? {};
    group[rest.join('.')] = null;
    context[root] = group;
  }
  return context;
};

const smsWarning = (field: TemplateField, options: TemplateCheckOptions): TemplateWarning | null => {
  const max = options.maxSmsSegments;
  if (max === undefined) return null;
  let fixedText: string;
  try {
    fixedText = String(
      plainEngine.renderSync(parse(plainEngine, field.source), emptyContext(options.variables)),
    );
  } catch {
    // A filter that cannot take an empty value: no estimate, which is no reason to refuse the template.
    return null;
  }
  const { segments } = smsEncoding(fixedText);
  if (segments <= max) return null;
  return {
    type: 'sms_too_long',
    path: formatPath(field.path),
    segments,
    maxSegments: max,
    message: `takes at least ${segments} SMS segments before its variables are filled in; the maximum is ${max}`,
  };
};

/**
 * Parses every field of every locale and lists the variables each names (in output, tags and
 * filter arguments alike); refuses unknown variables, filters and tags with the field's path.
 */
export const checkTemplate = (
  template: ContentTemplate,
  options: TemplateCheckOptions,
): Result<TemplateCheck, TemplateError> => {
  const issues: SchemaIssue[] = [];
  const warnings: TemplateWarning[] = [];
  const used = new Set<string>();
  for (const field of fieldsOf(template)) {
    const path = formatPath(field.path);
    const engine = engineFor(field);
    let parsed: Template[];
    try {
      parsed = parse(engine, field.source);
    } catch (error) {
      issues.push({ path, message: `does not parse: ${messageOf(error)}` });
      continue;
    }
    // Analysis groups references by their first name; issues read better in the order written.
    const references = Object.values(engine.analyzeSync(parsed, { partials: false }).globals)
      .flat()
      .sort((a, b) => a.location.row - b.location.row || a.location.col - b.location.col);
    for (const reference of references) {
      const resolved = resolveReference(reference, options.variables);
      if (resolved.ok) used.add(resolved.value);
      else issues.push({ path, message: resolved.error });
    }
    if (template.type === 'sms') {
      const warning = smsWarning(field, options);
      if (warning !== null) warnings.push(warning);
    }
  }
  if (issues.length > 0) return err({ type: 'invalid_template', issues });
  return ok({ variables: [...used].sort(), warnings });
};

/** Parses a template from decoded JSON: its shape, then its Liquid against the variables. */
export const parseContentTemplate = (
  input: unknown,
  options: TemplateCheckOptions,
): Result<ContentTemplate, TemplateError> => {
  const parsed = ContentTemplate.safeParse(input);
  if (!parsed.success) {
    return err({
      type: 'invalid_template',
      issues: parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path) || '(root)',
        message: issue.message,
        kind: issueKindOf(issue),
      })),
    });
  }
  const checked = checkTemplate(parsed.data, options);
  return checked.ok ? ok(parsed.data) : checked;
};

// ---------------------------------------------------------------------------------------------
// Render

export interface RenderOptions {
  /** The customer's locale, or null when unknown. */
  readonly locale: string | null;
  /** The workspace's default locale, used when the template lacks the customer's. */
  readonly fallbackLocale: string;
  /** Warn when the SMS takes more parts than this. */
  readonly maxSmsSegments?: number | undefined;
}

export type RenderedContent =
  | {
      readonly type: 'sms';
      readonly locale: string;
      readonly text: string;
      readonly sms: SmsEncoding;
      readonly warnings: readonly TemplateWarning[];
    }
  | {
      readonly type: 'email';
      readonly locale: string;
      readonly subject: string;
      readonly html: string;
      readonly text: string;
    }
  | { readonly type: 'push'; readonly locale: string; readonly title: string; readonly body: string }
  | { readonly type: 'webhook'; readonly locale: string; readonly payload: JsonValue };

/** A template's context with what the renderer adds itself: the message's own fields. */
type RenderContext = TemplateContext & { readonly message: { readonly unsubscribe_url: string } };

const renderSource = (source: string, context: RenderContext, html = false): string => {
  const engine = engineFor({ html });
  return String(engine.renderSync(parse(engine, source), context));
};

const renderJson = (value: JsonValue, context: RenderContext): JsonValue => {
  if (typeof value === 'string') return renderSource(value, context);
  if (Array.isArray(value)) return value.map((item) => renderJson(item, context));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderJson(item, context)]));
  }
  return value;
};

/** A header line: a line break from customer data would start a new header. */
const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ');

const contentFor = <T>(locales: Readonly<Record<string, T>>, locale: string): T => {
  const content = locales[locale];
  if (content === undefined) throw new Error(`template has no content for locale ${locale}`);
  return content;
};

/**
 * Renders one message in the customer's locale (see `chooseLocale`). Expects a template that
 * `checkTemplate` accepted and a context holding every variable it names: anything else is a bug
 * and throws.
 */
export const renderTemplate = (
  template: ContentTemplate,
  templateContext: TemplateContext,
  options: RenderOptions,
): RenderedContent => {
  const context: RenderContext = {
    ...templateContext,
    message: { unsubscribe_url: UNSUBSCRIBE_URL_PLACEHOLDER },
  };
  const locale = chooseLocale(Object.keys(template.locales), {
    wanted: options.locale,
    fallback: options.fallbackLocale,
  });
  switch (template.type) {
    case 'sms': {
      const text = renderSource(contentFor(template.locales, locale).text, context);
      const sms = smsEncoding(text);
      const max = options.maxSmsSegments;
      const warnings: TemplateWarning[] =
        max !== undefined && sms.segments > max
          ? [
              {
                type: 'sms_too_long',
                path: formatPath(['locales', locale, 'text']),
                segments: sms.segments,
                maxSegments: max,
                message: `takes ${sms.segments} SMS segments; the maximum is ${max}`,
              },
            ]
          : [];
      return { type: 'sms', locale, text, sms, warnings };
    }
    case 'email': {
      const content = contentFor(template.locales, locale);
      return {
        type: 'email',
        locale,
        subject: oneLine(renderSource(content.subject, context)),
        html: renderSource(content.html, context, true),
        text: renderSource(content.text, context),
      };
    }
    case 'push': {
      const content = contentFor(template.locales, locale);
      return {
        type: 'push',
        locale,
        title: oneLine(renderSource(content.title, context)),
        body: renderSource(content.body, context),
      };
    }
    case 'webhook':
      return {
        type: 'webhook',
        locale,
        payload: renderJson(contentFor(template.locales, locale).payload, context),
      };
  }
};
