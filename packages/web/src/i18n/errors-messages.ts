import type { ApiErrorCode, ApiErrorReason, IssueKind } from '@opencvm/core';
import { defineMessages } from './i18n.tsx';

/** What the app itself can run into besides the API's codes: a bad answer, no answer. */
export type ClientErrorCode = 'unexpected_answer' | 'network';

/** Issue kinds said in the user's language; `custom` ones are told only by the server's message. */
export type TranslatedIssueKind = Exclude<IssueKind, 'custom'>;

interface ErrorMessages {
  /** Said when nothing more precise is known: one per API error code. */
  readonly codes: Readonly<Record<ApiErrorCode | ClientErrorCode, string>>;
  /** Said instead of the code's text when the API names a reason. */
  readonly reasons: Readonly<Record<ApiErrorReason, string>>;
  /** What is wrong with one field of refused input. */
  readonly issueKinds: Readonly<Record<TranslatedIssueKind, string>>;
  readonly serverSaid: string;
  readonly retryIn: (seconds: number) => string;
}

/**
 * Refusals in the user's language: the API's English `message` is shown only where none of these
 * fits (as a detail under the code's text). The compiler checks every code, reason and kind has a
 * string; test/messages.test.ts that each is translated.
 */
export const errorsMessages = defineMessages<ErrorMessages>({
  en: {
    codes: {
      invalid_body: 'The request was refused: some input is not valid.',
      invalid_rows: 'Some rows were refused.',
      unauthenticated: 'You are not signed in, or your session has ended. Sign in again.',
      forbidden: 'Your role does not allow this.',
      not_found: 'It does not exist (any more).',
      method_not_allowed: 'This action is not available here.',
      payload_too_large: 'What you sent is too large.',
      unsupported_media_type: 'What you sent is not in a form the server accepts.',
      conflict: 'This conflicts with the current state; reload and try again.',
      idempotency_mismatch: 'This request repeats an earlier one with different content.',
      rate_limited: 'Too many requests; wait a moment and try again.',
      unavailable: 'The server cannot reach its data store right now; try again shortly.',
      internal: 'The server failed to do this. Try again; if it keeps failing, tell your administrator.',
      unexpected_answer: 'The server answered in a form this page does not understand; reload the page.',
      network: 'The server cannot be reached; check your connection and try again.',
    },
    reasons: {
      stale_version: 'Someone else changed this since you opened it. Reload to see their version.',
      deleted_meanwhile: 'This was deleted by someone else since you opened it.',
      already_exists: 'One with this key or name exists already; choose another.',
      in_use: 'It is still in use elsewhere; change or delete what uses it first.',
      invalid_transition: 'The campaign’s status does not allow this now; reload to see its current status.',
      not_a_draft: 'Only a draft campaign can be changed or deleted.',
      self_approval:
        'A campaign must be approved by someone other than the person who created or submitted it.',
      template_unavailable: 'This scenario needs data your workspace does not have.',
      ucg_not_rotatable: 'The universal control group cannot be drawn again right now; try again later.',
      already_revoked: 'This API key is revoked already.',
      last_admin: 'The workspace must keep at least one active administrator.',
      own_account: 'You cannot disable yourself or give up your own administrator role.',
      admin_only: 'Only an administrator can do this.',
      user_only: 'Only a signed-in user can do this.',
      missing_permission: 'Your role does not allow this.',
      csrf_token: 'The page is out of date; reload it and try again.',
      cross_origin: 'This change did not come from this site and was refused.',
      not_signed_in: 'You are not signed in. Sign in again.',
      invalid_api_key: 'The API key is not valid or was revoked.',
      wrong_password: 'Wrong name or password.',
      wrong_setup_token: 'The setup token is wrong or was used already.',
      request_in_progress: 'The same request is still being processed; wait a moment.',
      concurrent_change: 'Someone changed the same data at the same moment; try again.',
      invalid_file: 'The file cannot be read as a list of customer ids.',
    },
    issueKinds: {
      invalid_type: 'has the wrong type of value',
      too_big: 'is too large or too long',
      too_small: 'is too small, too short or missing',
      invalid_format: 'is not in the expected format',
      not_multiple_of: 'is not a multiple of the allowed step',
      unrecognized_keys: 'is not a field that can be given here',
      invalid_union: 'does not match any of the allowed forms',
      invalid_key: 'has a key that is not allowed',
      invalid_element: 'holds a value that is not allowed',
      invalid_value: 'is not one of the allowed values',
      unknown_name: 'names something this workspace does not have',
      segment_cycle: 'would make the segment refer to itself',
      wrong_password: 'is not your current password',
    },
    serverSaid: 'Server message',
    retryIn: (seconds) => `Try again in ${seconds} s.`,
  },
  ru: {
    codes: {
      invalid_body: 'Запрос отклонён: часть введённых данных неверна.',
      invalid_rows: 'Часть строк отклонена.',
      unauthenticated: 'Вы не вошли в систему или сеанс завершился. Войдите снова.',
      forbidden: 'Ваша роль этого не позволяет.',
      not_found: 'Такого нет (или уже нет).',
      method_not_allowed: 'Здесь это действие недоступно.',
      payload_too_large: 'Отправленные данные слишком велики.',
      unsupported_media_type: 'Сервер не принимает данные в таком виде.',
      conflict: 'Это противоречит текущему состоянию; обновите страницу и повторите.',
      idempotency_mismatch: 'Запрос повторяет прежний, но с другим содержимым.',
      rate_limited: 'Слишком много запросов; подождите немного и повторите.',
      unavailable: 'Сервер сейчас не может обратиться к хранилищу данных; повторите чуть позже.',
      internal: 'Сервер не смог это выполнить. Повторите; если ошибка не уходит, сообщите администратору.',
      unexpected_answer: 'Сервер ответил в виде, которого эта страница не понимает; обновите страницу.',
      network: 'Сервер недоступен; проверьте подключение и повторите.',
    },
    reasons: {
      stale_version:
        'Кто-то другой изменил это после того, как вы открыли страницу. Обновите её, чтобы увидеть новую версию.',
      deleted_meanwhile: 'Кто-то другой удалил это после того, как вы открыли страницу.',
      already_exists: 'Запись с таким ключом или именем уже есть; выберите другое.',
      in_use: 'Это ещё где-то используется; сначала измените или удалите то, что на это ссылается.',
      invalid_transition:
        'Статус кампании сейчас этого не допускает; обновите страницу, чтобы увидеть текущий статус.',
      not_a_draft: 'Изменить или удалить можно только черновик кампании.',
      self_approval: 'Кампанию должен согласовать не тот, кто её создал или отправил на согласование.',
      template_unavailable: 'Этому сценарию нужны данные, которых в вашем пространстве нет.',
      ucg_not_rotatable: 'Универсальную контрольную группу сейчас нельзя переназначить; повторите позже.',
      already_revoked: 'Этот API-ключ уже отозван.',
      last_admin: 'В пространстве должен остаться хотя бы один активный администратор.',
      own_account: 'Нельзя отключить себя или снять с себя роль администратора.',
      admin_only: 'Это может сделать только администратор.',
      user_only: 'Это может сделать только вошедший пользователь.',
      missing_permission: 'Ваша роль этого не позволяет.',
      csrf_token: 'Страница устарела; обновите её и повторите.',
      cross_origin: 'Изменение пришло не с этого сайта и отклонено.',
      not_signed_in: 'Вы не вошли в систему. Войдите снова.',
      invalid_api_key: 'API-ключ недействителен или отозван.',
      wrong_password: 'Неверное имя или пароль.',
      wrong_setup_token: 'Токен первоначальной настройки неверен или уже использован.',
      request_in_progress: 'Такой же запрос ещё выполняется; подождите немного.',
      concurrent_change: 'Кто-то изменил те же данные в тот же момент; повторите.',
      invalid_file: 'Файл не удаётся прочитать как список идентификаторов клиентов.',
    },
    issueKinds: {
      invalid_type: 'значение неверного типа',
      too_big: 'слишком большое или длинное значение',
      too_small: 'слишком маленькое, короткое или пустое значение',
      invalid_format: 'значение не в ожидаемом формате',
      not_multiple_of: 'значение не кратно допустимому шагу',
      unrecognized_keys: 'это поле здесь задавать нельзя',
      invalid_union: 'не подходит ни под один из допустимых вариантов',
      invalid_key: 'недопустимый ключ',
      invalid_element: 'содержит недопустимое значение',
      invalid_value: 'недопустимое значение',
      unknown_name: 'такого имени в пространстве нет',
      segment_cycle: 'сегмент ссылался бы сам на себя',
      wrong_password: 'это не ваш текущий пароль',
    },
    serverSaid: 'Сообщение сервера',
    retryIn: (seconds) => `Повторите через ${seconds} с.`,
  },
});
