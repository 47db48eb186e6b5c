import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';
import './dashboards.css';

const root = document.getElementById('app');
if (root === null) throw new Error('Internal error: the page has no #app element');
render(<App />, root);
