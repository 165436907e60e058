import { defineMessages } from './i18n.tsx';

export const loginMessages = defineMessages({
  en: {
    title: 'Sign in to OpenCVM',
    name: 'User name',
    password: 'Password',
    submit: 'Sign in',
    setupTitle: 'Create the first admin',
    setupIntro:
      'This workspace has no user yet. Enter the one-time setup token printed in the console where OpenCVM was started, and choose the admin’s name and password.',
    token: 'Setup token',
    displayName: 'Display name',
    passwordHint: 'At least 12 characters.',
    setupSubmit: 'Create admin and sign in',
  },
  ru: {
    title: 'Вход в OpenCVM',
    name: 'Имя пользователя',
    password: 'Пароль',
    submit: 'Войти',
    setupTitle: 'Создайте первого администратора',
    setupIntro:
      'В этом пространстве ещё нет пользователей. Введите одноразовый токен настройки, напечатанный в консоли при запуске OpenCVM, и задайте имя и пароль администратора.',
    token: 'Токен настройки',
    displayName: 'Отображаемое имя',
    passwordHint: 'Не короче 12 символов.',
    setupSubmit: 'Создать администратора и войти',
  },
});
